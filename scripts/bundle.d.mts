/** See bundle.mjs: the production bundler, shared by `npm run build` and the bench. */
export function bundle(options: { entryPoints: string[]; outdir: string }): Promise<void>;
