import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { hueOf, initials } from './hooks';
import { Icon } from './icons';

export function Avatar({ id, name, presence, size }: { id: string; name: string; presence?: string; size?: 'sm' | 'lg' }) {
  return (
    <span class={`avatar ${size ?? ''}`} style={{ '--hue': String(hueOf(id)) }} aria-hidden="true">
      {initials(name)}
      {presence && <span class={`presence presence-${presence.toLowerCase()}`} data-presence={presence} />}
    </span>
  );
}

/** A modal dialog: focus moves in, Escape closes, focus returns afterwards. */
export function Dialog({ title, onClose, children }: { title: string; onClose(): void; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first =
      ref.current?.querySelector<HTMLElement>('.dialog-body :is(input, textarea, select, button)') ??
      ref.current?.querySelector<HTMLElement>('button');
    first?.focus();
    return () => before?.focus?.();
  }, []);
  return (
    <div class="backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        ref={ref}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <header class="dialog-head">
          <h2>{title}</h2>
          <button class="icon" aria-label="Close" onClick={onClose}>
            <Icon.close />
          </button>
        </header>
        <div class="dialog-body">{children}</div>
      </div>
    </div>
  );
}
