#!/usr/bin/env node
// The keyrotor command. Runs the TypeScript sources directly (through tsx), so the CLI is always the
// code in this checkout: the same modules the Lambdas are bundled from.
import { tsImport } from "tsx/esm/api";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { main } = await tsImport("../cli/main.ts", import.meta.url);
const { processIo } = await tsImport("../cli/io.ts", import.meta.url);
process.exitCode = await main(process.argv.slice(2), processIo());
