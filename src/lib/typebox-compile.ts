import type * as CompileModule from 'typebox/compile';

export type Compile = typeof CompileModule.Compile;

let loading: Promise<typeof CompileModule> | undefined;

/**
 * TypeBox's compiler, loaded on first use rather than at start-up: its ~300 ES modules cost
 * ~0.3 s of CPU on every start (each one a round trip through tsx's loader thread), and it is
 * first needed when a Spotify answer or a playlist request is validated, not for the first page.
 */
export async function loadCompile(): Promise<Compile> {
  return (await (loading ??= import('typebox/compile'))).Compile;
}
