/** Finds each chosen mention's text in the message, so offsets stay right whatever was edited around them. */
export function placeMentions(text: string, chosen: readonly { label: string; personId: string }[]) {
  const out: { offset: number; length: number; personId: string }[] = [];
  let from = 0;
  for (const c of chosen) {
    const at = text.indexOf(c.label, from);
    if (at < 0) continue;
    out.push({ offset: at, length: c.label.length, personId: c.personId });
    from = at + c.label.length;
  }
  return out;
}
