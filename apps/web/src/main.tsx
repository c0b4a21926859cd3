import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { startPush } from './app/push.ts';
import './styles.css';

createRoot(document.getElementById('root')!).render(<App />);

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
    startPush();
  });
}
