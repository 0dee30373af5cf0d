/** `npm run dashboard:assets`: rewrites the dashboard's uPlot module from node_modules/uplot. */
import { writeFileSync } from "node:fs";
import { UPLOT_MODULE_PATH, uplotModuleSource } from "../helpers/uplot-module.js";

writeFileSync(UPLOT_MODULE_PATH, uplotModuleSource());
console.log(`wrote ${UPLOT_MODULE_PATH.pathname}`);
