// The fleet: every simulated vehicle with its true driver profile, the model's live verdict
// and a sparkline of the last minute, and the deployed model's accuracy and confusion
// matrix against the simulator's ground truth, updated once per second.
import type {
  FleetSnapshot,
  FleetVehicleView,
  ServerMessage,
} from '../../../src/server/protocol.ts';
import { api } from '../connection.ts';
import { formatNumber, h, replaceChildren, setText } from '../dom.ts';
import type { AppContext, Page } from '../main.ts';
import { Sparkline } from '../widgets/sparkline.ts';

interface Row {
  readonly element: HTMLTableRowElement;
  readonly cells: Record<'car' | 'truth' | 'predicted' | 'confidence' | 'speed', HTMLElement>;
  readonly style: Sparkline;
  readonly speed: Sparkline;
}

export class FleetPage implements Page {
  readonly element: HTMLElement;
  readonly topics = ['fleet'] as const;
  readonly #summary = {
    accuracy: h('output', { 'data-testid': 'fleet-accuracy' }, '—'),
    predictions: h('output', { 'data-testid': 'fleet-predictions' }, '0'),
    vehicles: h('output', { 'data-testid': 'fleet-vehicles' }, '0'),
    model: h('output', { 'data-testid': 'fleet-model' }, '—'),
    clock: h('output', {}, '—'),
  };
  readonly #body = h('tbody', { 'data-testid': 'fleet-rows' });
  readonly #confusion = h('table', { class: 'confusion', 'data-testid': 'confusion' });
  readonly #rows = new Map<string, Row>();

  constructor(_ctx: AppContext) {
    this.element = h(
      'div',
      { class: 'fleet page' },
      h(
        'section',
        { class: 'panel summary', 'aria-label': 'Fleet summary' },
        h('h2', {}, 'Fleet'),
        h(
          'dl',
          { class: 'stats wide' },
          h('dt', {}, 'Live accuracy'),
          h('dd', {}, this.#summary.accuracy),
          h('dt', {}, 'Predictions'),
          h('dd', {}, this.#summary.predictions),
          h('dt', {}, 'Vehicles'),
          h('dd', {}, this.#summary.vehicles),
          h('dt', {}, 'Model'),
          h('dd', {}, this.#summary.model),
          h('dt', {}, 'Simulated'),
          h('dd', {}, this.#summary.clock),
        ),
        h('h3', {}, 'Confusion matrix'),
        h(
          'p',
          { class: 'caption' },
          'Rows: true profile · columns: predicted · per-second predictions',
        ),
        this.#confusion,
      ),
      h(
        'section',
        { class: 'panel vehicles', 'aria-label': 'Vehicles' },
        h(
          'table',
          { class: 'grid' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Vehicle'),
              h('th', { scope: 'col' }, 'Car'),
              h('th', { scope: 'col' }, 'True profile'),
              h('th', { scope: 'col' }, 'Predicted'),
              h('th', { scope: 'col' }, 'Confidence'),
              h('th', { scope: 'col' }, 'Speed'),
              h('th', { scope: 'col' }, 'Aggressive, last 60 s'),
              h('th', { scope: 'col' }, 'Speed, last 60 s'),
            ),
          ),
          this.#body,
        ),
      ),
    );
    // The first picture without waiting for the socket's next second.
    api<FleetSnapshot>('/api/fleet')
      .then((snapshot) => this.#show(snapshot))
      .catch(() => undefined);
  }

  onMessage(message: ServerMessage): void {
    if (message.type === 'fleet') this.#show(message);
  }

  dispose(): void {
    for (const row of this.#rows.values()) {
      row.style.dispose();
      row.speed.dispose();
    }
  }

  #show(snapshot: FleetSnapshot): void {
    const s = this.#summary;
    setText(
      s.accuracy,
      snapshot.accuracy === null ? '—' : `${formatNumber(snapshot.accuracy * 100, 1)} %`,
    );
    setText(s.predictions, formatNumber(snapshot.predictions));
    setText(s.vehicles, String(snapshot.vehicles.length));
    setText(
      s.model,
      snapshot.model.state === 'ready'
        ? (snapshot.model.version ?? 'ready')
        : (snapshot.model.message ?? snapshot.model.state),
    );
    setText(s.clock, `${formatNumber(snapshot.simulatedS)} s at ${snapshot.speed}×`);
    for (const vehicle of snapshot.vehicles) this.#showVehicle(vehicle);
    this.#showConfusion(snapshot);
  }

  #showVehicle(v: FleetVehicleView): void {
    let row = this.#rows.get(v.vehicleId);
    if (row === undefined) {
      const cells = {
        car: h('td', {}),
        truth: h('td', {}),
        predicted: h('td', { 'data-testid': 'predicted' }),
        confidence: h('td', { class: 'num' }),
        speed: h('td', { class: 'num' }),
      };
      const style = new Sparkline(`${v.vehicleId} aggressive probability`, 'danger', 0, 1);
      const speed = new Sparkline(`${v.vehicleId} speed`, 'series-2', 0);
      const element = h(
        'tr',
        {},
        h('th', { scope: 'row' }, v.vehicleId),
        cells.car,
        cells.truth,
        cells.predicted,
        cells.confidence,
        cells.speed,
        h('td', {}, style.element),
        h('td', {}, speed.element),
      );
      row = { element, cells, style, speed };
      this.#rows.set(v.vehicleId, row);
      this.#body.append(element);
    }
    setText(row.cells.car, v.car);
    setText(row.cells.truth, v.trueProfile);
    row.cells.truth.className = `profile ${v.trueProfile}`;
    const predicted =
      v.predicted ?? (v.warmup > 0 ? `warming up ${Math.round(v.warmup * 100)} %` : '—');
    setText(row.cells.predicted, predicted);
    row.cells.predicted.className =
      v.predicted === null ? 'dim' : v.predicted === v.trueProfile ? 'hit' : 'miss';
    setText(
      row.cells.confidence,
      v.confidence === null ? '—' : `${Math.round(v.confidence * 100)} %`,
    );
    setText(row.cells.speed, `${formatNumber(v.speedKmh, 0)} km/h`);
    row.style.points = v.aggressiveHistory;
    row.speed.points = v.speedHistory;
  }

  #showConfusion(snapshot: FleetSnapshot): void {
    const labels = snapshot.labels;
    let max = 1;
    for (const row of snapshot.confusion) for (const n of row) if (n > max) max = n;
    replaceChildren(
      this.#confusion,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'true \\ predicted'),
          ...labels.map((l) => h('th', { scope: 'col' }, l)),
        ),
      ),
      h(
        'tbody',
        {},
        ...labels.map((truth, r) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, truth),
            ...labels.map((_predicted, c) => {
              const n = snapshot.confusion[r]?.[c] ?? 0;
              const alpha = n === 0 ? 0 : 0.15 + 0.75 * (n / max);
              const tone = r === c ? '64, 200, 140' : '240, 96, 96';
              return h(
                'td',
                { class: 'num', style: `background: rgba(${tone}, ${alpha.toFixed(3)})` },
                String(n),
              );
            }),
          ),
        ),
      ),
    );
  }
}
