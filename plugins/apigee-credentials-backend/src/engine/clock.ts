/** Time as the engine sees it; tests replace it. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: ms =>
    new Promise(resolve => {
      setTimeout(resolve, Math.max(0, ms));
    }),
};
