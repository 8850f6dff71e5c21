/** What the built keyrotor command exports to bin/keyrotor.mjs: the entry point esbuild bundles from. */
export { processIo, runAsProcess } from "./io";
export { main } from "./main";
