/** REST paths of the messaging API (see packages/protocol/src/messaging.ts for the bodies). */
export const paths = {
  chats: () => '/api/v1/chats',
  chat: (chatId: string) => `/api/v1/chats/${chatId}`,
  members: (chatId: string) => `/api/v1/chats/${chatId}/members`,
  messages: (chatId: string) => `/api/v1/chats/${chatId}/messages`,
  message: (chatId: string, id: string) => `/api/v1/chats/${chatId}/messages/${id}`,
  reactions: (chatId: string, id: string) => `/api/v1/chats/${chatId}/messages/${id}/reactions`,
  reaction: (chatId: string, id: string, emoji: string) => `/api/v1/chats/${chatId}/messages/${id}/reactions/${encodeURIComponent(emoji)}`,
  receipts: (chatId: string, id: string) => `/api/v1/chats/${chatId}/messages/${id}/receipts`,
  read: (chatId: string) => `/api/v1/chats/${chatId}/read`,
  pin: (chatId: string) => `/api/v1/chats/${chatId}/pin`,
  search: () => '/api/v1/search',
  workingHours: () => '/api/v1/me/working-hours',
};

/** Files and stickers. */
export const filePaths = {
  upload: (chatId: string) => `/api/v1/chats/${chatId}/files`,
  download: (id: string) => `/api/v1/files/${id}`,
  thumbnail: (id: string) => `/api/v1/files/${id}/thumbnail`,
  stickers: () => '/api/v1/stickers',
};
