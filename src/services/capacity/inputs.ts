/**
 * Input pieces several capacity procedures share. Each procedure's own input schema sits beside its
 * service (the service takes its `z.output` type, the router wires it), so no service imports this
 * module's consumers back.
 */
import * as z from "zod";
import { MAX_SAMPLE_SIZE } from "./blockers.js";

/** blocked (and free) nodes listed per cluster or item; the rest are counted */
export const sampleSizeSchema = z.number().int().min(1).max(MAX_SAMPLE_SIZE);

/** A page cursor made of `parts` text keys: the nextCursor of the previous page, unchanged. */
export const keyCursorSchema = (parts: number) =>
  z
    .string()
    .max(4096)
    .transform((text, ctx) => {
      try {
        return z.array(z.string()).length(parts).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: "custom", message: "cursor is the nextCursor of the previous page" });
        return z.NEVER;
      }
    });
