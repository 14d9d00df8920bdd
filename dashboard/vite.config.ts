import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Backend used by `npm run dev` (the production build is served by the backend itself). The Host header is
// kept (no changeOrigin): the backend accepts a cookie-authenticated state change only when its Origin names
// the Host, and the browser's Origin here is the dev server's.
const BACKEND = 'http://127.0.0.1:8000';
const PROXY = { target: BACKEND, changeOrigin: false };

export default defineConfig({
  base: '/',
  plugins: [react()],
  server: {
    proxy: {
      '/api': PROXY,
      '/v1': PROXY,
      '/health': PROXY,
      '/ws': { ...PROXY, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': PROXY,
      '/v1': PROXY,
      '/health': PROXY,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
});
