import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../styles/base.css';
import '../chat/chat.css';
import '../kit/kit.css';
import './app.css';
import { Gate, preloadConsole } from './Gate';
import { createQueryClient } from './queryClient';
import { preloadScreen } from './routes';

// The screen's code (and, on an operator's page, the console around it) loads while the session is asked for.
preloadScreen(window.location.pathname);
preloadConsole(window.location.pathname);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={createQueryClient()}>
        <Gate />
      </QueryClientProvider>
    </StrictMode>,
  );
}
