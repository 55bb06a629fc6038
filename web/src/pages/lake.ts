// The lake: every Delta table's version, files, rows and size, and the latest data-docs
// report. Refreshed every few seconds while open.
import type { LakeView } from '../../../src/server/protocol.ts';
import { api } from '../connection.ts';
import { formatBytes, formatNumber, formatTime, h, replaceChildren } from '../dom.ts';
import type { Page } from '../main.ts';

const REFRESH_MS = 5000;

export class LakePage implements Page {
  readonly element: HTMLElement;
  readonly topics = [] as const;
  readonly #content = h(
    'div',
    { 'data-testid': 'lake-content' },
    h('p', { class: 'caption' }, 'Loading…'),
  );
  readonly #timer: number;

  constructor() {
    this.element = h(
      'div',
      { class: 'lake page' },
      h(
        'section',
        { class: 'panel', 'aria-label': 'Lake tables' },
        h('h2', {}, 'Lake'),
        this.#content,
      ),
    );
    void this.#load();
    this.#timer = window.setInterval(() => void this.#load(), REFRESH_MS);
  }

  dispose(): void {
    window.clearInterval(this.#timer);
  }

  async #load(): Promise<void> {
    try {
      this.#show(await api<LakeView>('/api/lake'));
    } catch (error) {
      replaceChildren(
        this.#content,
        h('p', { class: 'warn' }, error instanceof Error ? error.message : String(error)),
      );
    }
  }

  #show(view: LakeView): void {
    const docs =
      view.dataDocs === null
        ? h(
            'p',
            { class: 'caption', 'data-testid': 'data-docs' },
            'No data-docs report yet (it is written by pitwall pipeline run).',
          )
        : h(
            'p',
            { 'data-testid': 'data-docs' },
            h(
              'a',
              { href: view.dataDocs.url, target: '_blank', rel: 'noopener' },
              'Latest data-docs report',
            ),
            h('span', { class: 'caption' }, ` · updated ${formatTime(view.dataDocs.updatedAtMs)}`),
          );
    const table =
      view.tables.length === 0
        ? null
        : h(
            'table',
            { class: 'grid', 'data-testid': 'lake-tables' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Table'),
                h('th', { scope: 'col', class: 'num' }, 'Version'),
                h('th', { scope: 'col', class: 'num' }, 'Files'),
                h('th', { scope: 'col', class: 'num' }, 'Rows'),
                h('th', { scope: 'col', class: 'num' }, 'Size'),
              ),
            ),
            h(
              'tbody',
              {},
              ...view.tables.map((t) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, h('code', {}, t.table)),
                  h('td', { class: 'num' }, formatNumber(t.version)),
                  h('td', { class: 'num' }, formatNumber(t.files)),
                  h('td', { class: 'num' }, formatNumber(t.rows)),
                  h('td', { class: 'num' }, formatBytes(t.bytes)),
                ),
              ),
            ),
          );
    replaceChildren(
      this.#content,
      h('p', { class: 'caption' }, 'Root ', h('code', {}, view.root)),
      view.message === undefined
        ? null
        : h('p', { class: 'warn', 'data-testid': 'lake-message' }, view.message),
      table,
      h('h3', {}, 'Data quality'),
      docs,
    );
  }
}
