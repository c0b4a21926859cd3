/**
 * One emoji, as a reaction: a single grapheme that is a recommended (RGI) emoji sequence, or a
 * single pictograph with or without its emoji presentation selector (clients send "❤" as well
 * as "❤️"). Text, several emoji, and invisible characters are not emoji.
 */
const RGI = (() => {
  try {
    // The `v` flag's \p{RGI_Emoji} (ES2024); built at run time so an older engine falls back.
    return new RegExp('^\\p{RGI_Emoji}$', 'v');
  } catch {
    return null;
  }
})();
const PICTOGRAPH = /^\p{Extended_Pictographic}\uFE0F?$/u;
/** Without the `v` flag: a pictograph with skin tones, selectors and ZWJ joins; a flag; a keycap. */
const FALLBACK =
  /^(?:\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F)*(?:\u200D\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F)*)*|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)$/u;

export function isSingleEmoji(value: string): boolean {
  if (value.length === 0 || value.length > 32) return false;
  return PICTOGRAPH.test(value) || (RGI ? RGI.test(value) : FALLBACK.test(value));
}
