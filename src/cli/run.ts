import { main } from "./main.js";

try {
  const code = await main(process.argv.slice(2));
  if (code !== 0) process.exitCode = code;
} catch (error) {
  // parseArgs throws on unknown flags: a usage error.
  console.error((error as Error).message);
  process.exitCode = 2;
}
