import { navigate } from '../lib/router.ts';
import { useMt } from './i18n.ts';

/** The chat header's entry to the chat's meetings, calls and polls. */
export function MeetingsLink({ chatId }: { chatId: string }) {
  const { mt } = useMt();
  const href = `/meetings/chat/${chatId}`;
  return (
    <a
      className="btn btn-secondary"
      href={href}
      data-meetings-link
      onClick={(e) => {
        e.preventDefault();
        navigate(href);
      }}
    >
      {mt('m.open')}
    </a>
  );
}
