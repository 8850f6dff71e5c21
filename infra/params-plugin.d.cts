declare const KeyrotorParams: {
  new (serverless: unknown, options: unknown, utils: unknown): unknown;
  /** The stage as osls will resolve it, before provider.stage is resolved. */
  stageOf(options: { stage?: string }, declared: unknown): string;
};
export = KeyrotorParams;
