export declare const subpaths: Record<string, string>
export declare const edgeSafeSubpaths: readonly string[]
export declare const binaries: Record<string, string>
export declare const entries: Record<string, string>
