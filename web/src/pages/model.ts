// The model: the deployed driving-style model's status, and the training runs with their
// metrics and a feature-importance chart for the selected run.
import type {
  ModelStatus,
  ModelsView,
  RunView,
  ServerMessage,
} from '../../../src/server/protocol.ts';
import { api } from '../connection.ts';
import { formatTime, h, replaceChildren, setText } from '../dom.ts';
import type { AppContext, Page } from '../main.ts';

const REFRESH_MS = 10_000;
const TOP_FEATURES = 20;

export class ModelPage implements Page {
  readonly element: HTMLElement;
  // `model` messages reach every socket: no topic needed.
  readonly topics = [] as const;
  readonly #ctx: AppContext;
  readonly #status = h('div', { 'data-testid': 'model-status' });
  readonly #runs = h('div', { 'data-testid': 'runs' }, h('p', { class: 'caption' }, 'Loading…'));
  readonly #importances = h('div', { class: 'importances', 'data-testid': 'importances' });
  readonly #reload = h('button', { 'data-testid': 'reload-model' }, 'Reload model');
  readonly #timer: number;
  #view: ModelsView | undefined;
  #selected: string | undefined;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#reload.addEventListener('click', () => void this.#reloadModel());
    this.element = h(
      'div',
      { class: 'model page' },
      h(
        'section',
        { class: 'panel', 'aria-label': 'Deployed model' },
        h('h2', {}, 'Deployed model'),
        this.#status,
        this.#reload,
      ),
      h(
        'section',
        { class: 'panel', 'aria-label': 'Training runs' },
        h('h2', {}, 'Training runs'),
        this.#runs,
      ),
      h(
        'section',
        { class: 'panel', 'aria-label': 'Feature importance' },
        h('h2', {}, 'Feature importance'),
        this.#importances,
      ),
    );
    const model = ctx.model();
    if (model !== undefined) this.#showStatus(model);
    void this.#load();
    this.#timer = window.setInterval(() => void this.#load(), REFRESH_MS);
  }

  onMessage(message: ServerMessage): void {
    if (message.type === 'model') this.#showStatus(message.model);
    if (message.type === 'hello') this.#showStatus(message.model);
  }

  dispose(): void {
    window.clearInterval(this.#timer);
  }

  async #reloadModel(): Promise<void> {
    const hello = this.#ctx.hello();
    if (hello?.auth.required === true && !hello.auth.granted) {
      this.#ctx.askToken();
      return;
    }
    this.#reload.disabled = true;
    try {
      this.#showStatus(await api<ModelStatus>('/api/model/reload', { method: 'POST' }));
    } catch (error) {
      replaceChildren(
        this.#status,
        h('p', { class: 'warn' }, error instanceof Error ? error.message : String(error)),
      );
    } finally {
      this.#reload.disabled = false;
    }
  }

  async #load(): Promise<void> {
    try {
      const view = await api<ModelsView>('/api/models');
      this.#view = view;
      this.#showStatus(view.model);
      this.#showRuns(view);
    } catch (error) {
      replaceChildren(
        this.#runs,
        h('p', { class: 'warn' }, error instanceof Error ? error.message : String(error)),
      );
    }
  }

  #showStatus(status: ModelStatus): void {
    replaceChildren(
      this.#status,
      h(
        'dl',
        { class: 'stats wide' },
        h('dt', {}, 'URI'),
        h('dd', {}, h('code', {}, status.uri)),
        h('dt', {}, 'State'),
        h(
          'dd',
          { 'data-testid': 'model-state', class: status.state === 'ready' ? 'hit' : 'warn' },
          status.state,
        ),
        h('dt', {}, 'Version'),
        h('dd', {}, status.version ?? '—'),
        h('dt', {}, 'Classes'),
        h('dd', {}, status.labels?.join(', ') ?? '—'),
      ),
      status.message === undefined
        ? null
        : h('p', { class: 'caption', 'data-testid': 'model-message' }, status.message),
    );
  }

  #showRuns(view: ModelsView): void {
    if (view.runs.length === 0) {
      replaceChildren(
        this.#runs,
        h('p', { class: 'caption' }, 'Tracking ', h('code', {}, view.trackingUri)),
        h('p', { class: 'warn', 'data-testid': 'runs-message' }, view.message ?? 'No runs yet.'),
      );
      replaceChildren(this.#importances, h('p', { class: 'caption' }, 'No run selected.'));
      return;
    }
    // The metrics that most runs have, in a stable order, as columns.
    const keys = [...new Set(view.runs.flatMap((r) => Object.keys(r.metrics)))].sort().slice(0, 6);
    if (this.#selected === undefined || !view.runs.some((r) => r.runId === this.#selected)) {
      this.#selected = view.runs[0]!.runId;
    }
    const rows = view.runs.map((run) => {
      const select = h(
        'button',
        { class: 'link', 'aria-pressed': run.runId === this.#selected ? 'true' : 'false' },
        run.name || run.runId.slice(0, 8),
      );
      select.addEventListener('click', () => {
        this.#selected = run.runId;
        if (this.#view !== undefined) this.#showRuns(this.#view);
      });
      return h(
        'tr',
        { class: run.runId === this.#selected ? 'selected' : '' },
        h('th', { scope: 'row' }, select),
        h('td', {}, run.experiment),
        h('td', {}, run.status),
        h('td', {}, formatTime(run.startTimeMs)),
        ...keys.map((k) =>
          h(
            'td',
            { class: 'num' },
            run.metrics[k] === undefined ? '—' : formatMetric(run.metrics[k]),
          ),
        ),
      );
    });
    replaceChildren(
      this.#runs,
      h('p', { class: 'caption' }, 'Tracking ', h('code', {}, view.trackingUri)),
      h(
        'table',
        { class: 'grid', 'data-testid': 'runs-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Run'),
            h('th', { scope: 'col' }, 'Experiment'),
            h('th', { scope: 'col' }, 'Status'),
            h('th', { scope: 'col' }, 'Started'),
            ...keys.map((k) => h('th', { scope: 'col', class: 'num' }, k)),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    );
    const run = view.runs.find((r) => r.runId === this.#selected);
    if (run !== undefined) this.#showImportances(run);
  }

  #showImportances(run: RunView): void {
    const top = run.featureImportances.slice(0, TOP_FEATURES);
    if (top.length === 0) {
      replaceChildren(
        this.#importances,
        h(
          'p',
          { class: 'caption' },
          `Run ${run.name || run.runId} recorded no feature importances.`,
        ),
      );
      return;
    }
    const max = Math.max(...top.map((f) => f.importance), 1e-12);
    const list = h('ol', { class: 'importance-list' });
    for (const f of top) {
      const fill = h('span', { class: 'fill' });
      fill.style.transform = `scaleX(${Math.max(0, f.importance) / max})`;
      list.append(
        h(
          'li',
          {},
          h('span', { class: 'feature' }, f.feature),
          h('span', { class: 'track' }, fill),
          h('span', { class: 'num' }, f.importance.toFixed(3)),
        ),
      );
    }
    const caption = h('p', { class: 'caption' });
    setText(
      caption,
      `Top ${top.length} of ${run.featureImportances.length} features, run ${run.name || run.runId}`,
    );
    replaceChildren(this.#importances, caption, list);
  }
}

function formatMetric(value: number): string {
  return Math.abs(value) >= 1000 ? value.toFixed(0) : value.toPrecision(4);
}
