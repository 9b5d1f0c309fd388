// The few autocannon fields the tests read (autocannon ships no types).
declare module 'autocannon' {
  interface Result {
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    requests: { average: number };
  }
  function autocannon(options: { url: string; connections?: number; pipelining?: number; duration?: number; amount?: number }): Promise<Result>;
  export default autocannon;
}
