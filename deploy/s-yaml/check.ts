/** The shape of one s.yaml check: the rendered view and the context in, the problems out. */
import type { Problem } from './problem.js';
import type { Ctx, FunctionView, RenderedView } from './view.js';

export type Check = (rendered: RenderedView, ctx: Ctx) => Problem[];

/** A check made of one function-level check run on every fc3 resource. */
export const perFunction =
  (check: (f: FunctionView, ctx: Ctx, rendered: RenderedView) => Problem[]): Check =>
  (rendered, ctx) =>
    rendered.functions.flatMap((f) => check(f, ctx, rendered));
