import { z } from 'zod';
import { api } from '../app/state.ts';
import { filePaths } from '../sync/paths.ts';

const Uploaded = z.object({ id: z.uuid() });

/** Uploads one file for a message of this chat, reporting progress (0..1). */
export function uploadFile(chatId: string, file: File, onProgress: (p: number) => void) {
  const form = new FormData();
  form.append('chatId', chatId);
  form.append('file', file, file.name);
  return api.upload('POST', filePaths.upload(), Uploaded, form, onProgress);
}
