/**
 * A cautious estimate of how many bits of entropy a secret holds, for refusing weak production
 * secrets. It does not know words; it catches what people actually paste: one character
 * repeated, a phrase repeated to reach the minimum length, runs such as "abcdef" or "123456",
 * and a small alphabet. Random secrets (`npx mtm secret`, `openssl rand -base64 48`, 64 hex
 * digits) score far above the 128 bits we ask for.
 */
export function estimateSecretBits(secret: string): number {
  const unit = shortestRepeatingUnit([...secret]);
  if (unit.length === 0) return 0;
  const perChar = Math.log2(alphabetSize(unit));
  let bits = 0;
  for (let i = 0; i < unit.length; i += 1) {
    // A character that continues a run (same step as the one before: "aaa", "abc", "975") is
    // nearly free to guess: one bit.
    const continuesRun =
      i >= 2 && code(unit[i]!) - code(unit[i - 1]!) === code(unit[i - 1]!) - code(unit[i - 2]!) && Math.abs(code(unit[i]!) - code(unit[i - 1]!)) <= 1;
    const repeatsPrevious = i >= 1 && unit[i] === unit[i - 1];
    bits += continuesRun || repeatsPrevious ? 1 : perChar;
  }
  // A few distinct characters in a long string carry little, whatever the alphabet.
  return Math.min(bits, shannonBits(unit));
}

/** The shortest prefix the whole string is made of, repeated (the last copy may be cut short). */
export function shortestRepeatingUnit(chars: readonly string[]): string[] {
  for (let period = 1; period < chars.length; period += 1) {
    let repeats = true;
    for (let i = period; i < chars.length && repeats; i += 1) repeats = chars[i] === chars[i - period];
    if (repeats) return chars.slice(0, period);
  }
  return [...chars];
}

function code(char: string): number {
  return char.codePointAt(0) ?? 0;
}

/** Lower case, upper case, digits and the 33 printable ASCII symbols; anything else widens it. */
function alphabetSize(chars: readonly string[]): number {
  let size = 0;
  if (chars.some((c) => c >= 'a' && c <= 'z')) size += 26;
  if (chars.some((c) => c >= 'A' && c <= 'Z')) size += 26;
  if (chars.some((c) => c >= '0' && c <= '9')) size += 10;
  if (chars.some((c) => code(c) < 128 && !/[a-zA-Z0-9]/.test(c))) size += 33;
  if (chars.some((c) => code(c) >= 128)) size += 100;
  return Math.max(size, 2);
}

/** Length times the Shannon entropy of the character frequencies. */
function shannonBits(chars: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / chars.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * chars.length;
}
