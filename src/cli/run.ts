// Runs the CLI from source (`node --import tsx src/cli/run.ts …`): tests use it so they
// need no build. `bin/pitwall.js` does the same with the compiled code.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
