import { expect, it } from 'vitest';
import { smallestImage } from '../../src/services/insights.js';

const sizes = (url: (size: number) => string) => [640, 300, 64].map((size) => ({ url: url(size), width: size, height: size }));

it('picks the smallest image at least the asked width, or the largest when none is that wide', () => {
  const images = sizes((size) => `https://i.scdn.co/image/a-${size}`);
  expect(smallestImage(images, 64)).toBe('https://i.scdn.co/image/a-64');
  expect(smallestImage(images, 65)).toBe('https://i.scdn.co/image/a-300');
  expect(smallestImage(images, 1000)).toBe('https://i.scdn.co/image/a-640');
});

it('shows https and data:image covers (the demo\'s), and nothing else a payload may hold', () => {
  expect(smallestImage(sizes(() => 'data:image/svg+xml,%3Csvg%3E%3C%2Fsvg%3E'), 64)).toBe('data:image/svg+xml,%3Csvg%3E%3C%2Fsvg%3E');
  expect(smallestImage(sizes(() => 'javascript:alert(1)'), 64)).toBeNull();
  expect(smallestImage(sizes(() => 'http://example.com/a.jpg'), 64)).toBeNull();
  expect(smallestImage(sizes(() => 'data:text/html,<script>x</script>'), 64)).toBeNull();
  expect(smallestImage(null, 64)).toBeNull();
});
