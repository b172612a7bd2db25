import { useCallback, useEffect, useState } from 'react';

const KEY = 'codecollab.theme';

/** Dark or light: the user's choice, else the system's. */
export function useTheme(): [boolean, () => void] {
  const [dark, setDark] = useState(() => {
    const chosen = localStorage.getItem(KEY);
    if (chosen) return chosen === 'dark';
    return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
  });
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [dark]);
  const toggle = useCallback(() => {
    setDark((d) => {
      localStorage.setItem(KEY, d ? 'light' : 'dark');
      return !d;
    });
  }, []);
  return [dark, toggle];
}
