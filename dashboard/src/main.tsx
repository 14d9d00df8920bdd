import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App';
import { captureApiKeyFromUrl } from './lib/apiKey';
import './styles.css';

// `?api_key=ak_...` (as printed by `make run`) is stored and removed from the URL before routing.
captureApiKeyFromUrl();

const container = document.getElementById('root');
if (!container) throw new Error('Missing #root element');

createRoot(container).render(
  <StrictMode>
    <BrowserRouter>
      <App />
    </BrowserRouter>
  </StrictMode>,
);
