import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In development the API is a real `codecollab serve` (CODECOLLAB_API, default :8080).
const api = process.env.CODECOLLAB_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 700 },
  server: { proxy: { '/api': { target: api, ws: true } } },
  preview: { proxy: { '/api': { target: api, ws: true } } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
