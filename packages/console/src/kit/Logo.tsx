/** Parley's mark: two speech bubbles. Decorative (the name is always written next to it). */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false" className="logo">
      <rect width="32" height="32" rx="8" fill="var(--color-primary)" />
      <path
        d="M8 9.5h12a2.5 2.5 0 0 1 2.5 2.5v6A2.5 2.5 0 0 1 20 20.5h-7l-4 3.5v-3.5H8A2.5 2.5 0 0 1 5.5 18v-6A2.5 2.5 0 0 1 8 9.5Z"
        fill="#fff"
      />
      <path
        d="M24.5 13.5H25a2 2 0 0 1 2 2v5a2 2 0 0 1-2 2h-.5v2.5l-3.2-2.5h-5.8"
        fill="none"
        stroke="#fff"
        strokeWidth="1.6"
        strokeLinejoin="round"
        strokeLinecap="round"
        opacity="0.75"
      />
    </svg>
  );
}
