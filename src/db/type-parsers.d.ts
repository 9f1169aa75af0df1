export declare const TYPE_PARSERS: Readonly<Record<number, (value: string) => unknown>>;
