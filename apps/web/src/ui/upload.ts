import { UploadedFile } from '@parta/protocol';
import { api } from '../app/state.ts';
import { filePaths } from '../sync/paths.ts';

/** Uploads one file into a chat, reporting progress (0..1); it is attached by sending a message with its id. */
export function uploadFile(chatId: string, file: File, onProgress: (p: number) => void) {
  const form = new FormData();
  form.append('file', file, file.name);
  return api.upload('POST', filePaths.upload(chatId), UploadedFile, form, onProgress);
}
