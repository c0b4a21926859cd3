import type { Chat, ChatKind, Message } from '@parta/protocol';
import type { Translator } from '../i18n/index.ts';

export type Section = 'classes' | 'parents' | 'channels' | 'direct';

export function sectionOf(kind: ChatKind): Section {
  switch (kind) {
    case 'parents':
    case 'parents_only':
      return 'parents';
    case 'school_channel':
    case 'class_channel':
      return 'channels';
    case 'direct':
      return 'direct';
    default:
      return 'classes';
  }
}

export const isChannel = (kind: ChatKind) => kind === 'school_channel' || kind === 'class_channel';

export function chatTitle(c: Pick<Chat, 'kind' | 'title'>, t: Translator['t']): string {
  const name = c.title ?? '';
  switch (c.kind) {
    case 'class':
      return t('chat.kind.class', { name });
    case 'parents':
      return t('chat.kind.parents', { name });
    case 'parents_only':
      return t('chat.kind.parents_only', { name });
    case 'staff':
      return t('chat.kind.staff');
    case 'school_channel':
      return name || t('chat.kind.school_channel');
    case 'class_channel':
      return t('chat.kind.class_channel', { name });
    default:
      return name || t('chat.untitled');
  }
}

export function preview(m: Message | null, t: Translator['t']): string {
  if (!m) return t('chat.noMessages');
  if (m.deletedAt) return t('message.deleted');
  const text = m.text.trim();
  if (text) return text.length > 120 ? `${text.slice(0, 120)}…` : text;
  const a = m.attachments[0];
  if (!a) return '';
  return a.kind === 'sticker' ? t('message.sticker') : a.kind === 'image' ? t('message.photo') : a.name;
}

/** Short form of a person's full name: "Смирнова Елена Петровна" → "Смирнова Е. П." is too formal for chat; use "Елена Смирнова". */
export function shortName(full: string): string {
  const [last, first] = full.split(' ');
  return first && last ? `${first} ${last}` : full;
}

export function initials(full: string): string {
  const parts = full.split(' ').filter(Boolean);
  return ((parts[1]?.[0] ?? '') + (parts[0]?.[0] ?? '')).toUpperCase() || '?';
}

/** A stable colour per person for avatars (all with white text at AA contrast). */
const COLOURS = ['#1f4fa8', '#8a3b9e', '#0f6b5c', '#a8431f', '#5b5f14', '#9c2f55', '#2f5d8a', '#6d4c1d'];
export function colourOf(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return COLOURS[Math.abs(h) % COLOURS.length]!;
}
