// The cockpit: choose a car and a driver (or drive yourself), start the engine, and watch
// the gauges, the last minute's charts and the AI coach's verdict, all live at 30 Hz.
import type {
  CarInfo,
  DriverChoice,
  EventMessage,
  HelloMessage,
  ServerMessage,
  SessionView,
  StateMessage,
  VerdictMessage,
} from '../../../src/server/protocol.ts';
import { api } from '../connection.ts';
import { formatNumber, h, replaceChildren, setText } from '../dom.ts';
import type { AppContext, Page } from '../main.ts';
import { Gauge } from '../widgets/gauge.ts';
import { TimeChart } from '../widgets/time-chart.ts';

const CHART_WINDOW_S = 60;
const MAX_LOG_LINES = 60;
/** Pedal travel per second while a key or on-screen pedal is held, and when let go. */
const PRESS_RATE = 1.6;
const RELEASE_RATE = 4;
const WHEEL_STEP = 0.05;
const INPUT_INTERVAL_MS = 33;

const DRIVER_TITLES: Record<DriverChoice, string> = {
  aggressive: 'Aggressive driver',
  normal: 'Normal driver',
  eco: 'Eco driver',
  cautious: 'Cautious driver',
  manual: 'Drive manually',
};

/** One pedal's inputs: key or on-screen press (ramping), wheel (sticky level), pointer depth. */
class PedalInput {
  held = false;
  ramp = 0;
  wheel = 0;
  pointer = 0;

  value(): number {
    return Math.min(1, Math.max(this.ramp, this.wheel, this.pointer));
  }

  step(dt: number): void {
    this.ramp = this.held
      ? Math.min(1, this.ramp + PRESS_RATE * dt)
      : Math.max(0, this.ramp - RELEASE_RATE * dt);
  }

  reset(): void {
    this.held = false;
    this.ramp = 0;
    this.wheel = 0;
    this.pointer = 0;
  }
}

export class CockpitPage implements Page {
  readonly element: HTMLElement;
  readonly topics = ['cockpit'] as const;
  readonly #ctx: AppContext;
  readonly #car = h('select', { id: 'car', 'data-testid': 'car-select' });
  readonly #driver = h('select', { id: 'driver', 'data-testid': 'driver-select' });
  readonly #startButton = h('button', { class: 'primary', 'data-testid': 'start' }, 'Start engine');
  readonly #stopButton = h('button', { 'data-testid': 'stop' }, 'Stop engine');
  readonly #endButton = h('button', { class: 'quiet', 'data-testid': 'end' }, 'End session');
  readonly #sessionLine = h(
    'p',
    { class: 'session-line', 'data-testid': 'session-line' },
    'No session running.',
  );
  readonly #manualPanel = h('section', {
    class: 'panel manual',
    'aria-label': 'Manual driving',
    hidden: true,
  });
  readonly #throttleInput = new PedalInput();
  readonly #brakeInput = new PedalInput();
  readonly #throttlePedal = this.#pedal('Throttle', 'throttle');
  readonly #brakePedal = this.#pedal('Brake', 'brake');
  readonly #gearMode = h('span', { class: 'gear-mode', 'data-testid': 'gear-mode' }, 'auto');

  readonly #rpm = new Gauge(
    {
      label: 'RPM',
      unit: 'rpm',
      min: 0,
      max: 8000,
      majorStep: 1000,
      scaleDivisor: 1000,
      redFrom: 6500,
    },
    'gauge big',
  );
  readonly #speed = new Gauge(
    { label: 'Speed', unit: 'km/h', min: 0, max: 240, majorStep: 20 },
    'gauge big',
  );
  readonly #coolant = new Gauge({
    label: 'Coolant',
    unit: '°C',
    min: 0,
    max: 140,
    majorStep: 20,
    redFrom: 115,
  });
  readonly #oil = new Gauge({
    label: 'Oil',
    unit: '°C',
    min: 0,
    max: 160,
    majorStep: 20,
    redFrom: 135,
  });
  readonly #brakeTemp = new Gauge({
    label: 'Brakes',
    unit: '°C',
    min: 0,
    max: 800,
    majorStep: 100,
    redFrom: 450,
  });
  readonly #fuelRate = new Gauge({
    label: 'Fuel',
    unit: 'L/h',
    min: 0,
    max: 40,
    majorStep: 5,
    decimals: 1,
  });
  readonly #gear = h('output', { class: 'gear', 'data-testid': 'gear', 'aria-label': 'gear' }, 'N');
  readonly #throttleBar = h('span', { class: 'fill' });
  readonly #brakeBar = h('span', { class: 'fill' });
  readonly #readouts = {
    rpm: h('output', { 'data-testid': 'rpm' }, '0'),
    speed: h('output', { 'data-testid': 'speed' }, '0'),
    coolant: h('output', { 'data-testid': 'coolant' }, '0'),
    oil: h('output', { 'data-testid': 'oil' }, '0'),
    brakeTemp: h('output', { 'data-testid': 'brake-temp' }, '0'),
    fuelRate: h('output', { 'data-testid': 'fuel-rate' }, '0'),
    throttle: h('output', { 'data-testid': 'throttle' }, '0'),
    brake: h('output', { 'data-testid': 'brake' }, '0'),
  };

  readonly #charts = {
    rpm: new TimeChart({
      title: 'Engine speed',
      unit: 'rpm',
      series: [{ name: 'RPM', color: '--series-1' }],
      windowS: CHART_WINDOW_S,
      rateHz: 30,
      min: 0,
      max: 8000,
    }),
    speed: new TimeChart({
      title: 'Speed',
      unit: 'km/h',
      series: [
        { name: 'Speed', color: '--series-2' },
        { name: 'Limit', color: '--series-dim' },
      ],
      windowS: CHART_WINDOW_S,
      rateHz: 30,
      min: 0,
    }),
    temps: new TimeChart({
      title: 'Temperatures',
      unit: '°C',
      series: [
        { name: 'Coolant', color: '--series-3' },
        { name: 'Oil', color: '--series-4' },
        { name: 'Brakes', color: '--series-5' },
      ],
      windowS: CHART_WINDOW_S,
      rateHz: 30,
    }),
    aggressive: new TimeChart({
      title: 'Aggressive probability',
      unit: '%',
      series: [{ name: 'Aggressive', color: '--danger' }],
      windowS: CHART_WINDOW_S,
      rateHz: 1,
      min: 0,
      max: 100,
    }),
  };

  readonly #coach = {
    status: h(
      'p',
      { class: 'coach-status', 'data-testid': 'verdict-status' },
      'Start the engine to get a verdict.',
    ),
    label: h('output', { class: 'verdict-label', 'data-testid': 'verdict-label' }, '—'),
    aggressiveFill: h('span', { class: 'fill danger' }),
    aggressiveText: h('output', { 'data-testid': 'aggressive-probability' }, '—'),
    confidence: h('output', { 'data-testid': 'confidence' }, '—'),
    warmupFill: h('span', { class: 'fill' }),
    warmupText: h('output', { 'data-testid': 'warmup' }, '0 %'),
    modelVersion: h('output', { 'data-testid': 'model-version' }, '—'),
    probabilities: h('ul', { class: 'probabilities', 'data-testid': 'probabilities' }),
  };
  readonly #stats = {
    avgSpeed: h('output', { 'data-testid': 'avg-speed' }, '—'),
    distance: h('output', { 'data-testid': 'distance' }, '—'),
    fuel: h('output', { 'data-testid': 'fuel-used' }, '—'),
    economy: h('output', { 'data-testid': 'economy' }, '—'),
    wear: h('output', { 'data-testid': 'wear' }, '—'),
  };
  readonly #log = h('ol', {
    class: 'event-log',
    'data-testid': 'event-log',
    'aria-live': 'polite',
  });

  #session: SessionView | null = null;
  #state: StateMessage | undefined;
  #stateDirty = false;
  #lastFrameMs = performance.now();
  #lastSentMs = 0;
  #sentThrottle = -1;
  #sentBrake = -1;
  #requestedGear = 0;
  readonly #cleanups: (() => void)[] = [];

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#startButton.addEventListener('click', () => this.#start());
    this.#stopButton.addEventListener('click', () => this.#control({ type: 'engine', on: false }));
    this.#endButton.addEventListener('click', () => this.#control({ type: 'stop' }));
    const onSetupChange = () => {
      this.#updateManualPanel();
      // Switching the car or the driver while a session runs starts the new one at once.
      if (this.#session !== null) this.#start();
    };
    this.#car.addEventListener('change', onSetupChange);
    this.#driver.addEventListener('change', onSetupChange);

    const gauges = h(
      'div',
      { class: 'instruments' },
      h(
        'div',
        { class: 'main-dials' },
        this.#dial(this.#rpm, this.#readouts.rpm, 'rpm'),
        h(
          'div',
          { class: 'center-stack' },
          h(
            'div',
            { class: 'gear-box' },
            h('span', { class: 'caption' }, 'Gear'),
            this.#gear,
            this.#gearMode,
          ),
          this.#bar('Throttle', this.#throttleBar, this.#readouts.throttle, 'throttle'),
          this.#bar('Brake', this.#brakeBar, this.#readouts.brake, 'brake'),
        ),
        this.#dial(this.#speed, this.#readouts.speed, 'km/h'),
      ),
      h(
        'div',
        { class: 'small-dials' },
        this.#dial(this.#coolant, this.#readouts.coolant, '°C coolant'),
        this.#dial(this.#oil, this.#readouts.oil, '°C oil'),
        this.#dial(this.#brakeTemp, this.#readouts.brakeTemp, '°C brakes'),
        this.#dial(this.#fuelRate, this.#readouts.fuelRate, 'L/h'),
      ),
    );

    replaceChildren(
      this.#manualPanel,
      h('h2', {}, 'Driver’s seat'),
      h('div', { class: 'pedals' }, this.#brakePedal, this.#throttlePedal),
      h(
        'p',
        { class: 'hint' },
        h('kbd', {}, '↑'),
        ' throttle · ',
        h('kbd', {}, '↓'),
        ' brake · ',
        h('kbd', {}, '←'),
        h('kbd', {}, '→'),
        ' gears · ',
        h('kbd', {}, 'A'),
        ' automatic · wheel: throttle, ',
        h('kbd', {}, 'Shift'),
        '+wheel: brake · ',
        h('kbd', {}, 'Esc'),
        ' release',
      ),
    );

    const controls = h(
      'section',
      { class: 'panel controls', 'aria-label': 'Session' },
      h('h2', {}, 'Session'),
      h('label', { for: 'car' }, 'Car'),
      this.#car,
      h('label', { for: 'driver' }, 'Driver'),
      this.#driver,
      h('div', { class: 'buttons' }, this.#startButton, this.#stopButton),
      this.#endButton,
      this.#sessionLine,
    );

    const coach = h(
      'section',
      { class: 'panel coach', 'aria-label': 'AI driving coach' },
      h('h2', {}, 'AI driving coach'),
      this.#coach.status,
      h(
        'div',
        { class: 'verdict' },
        this.#coach.label,
        h('span', { class: 'caption' }, 'confidence '),
        this.#coach.confidence,
      ),
      h(
        'div',
        { class: 'meter' },
        h('span', { class: 'caption' }, 'Aggressive'),
        h('span', { class: 'track' }, this.#coach.aggressiveFill),
        this.#coach.aggressiveText,
      ),
      h(
        'div',
        { class: 'meter' },
        h('span', { class: 'caption' }, 'Warm-up'),
        h('span', { class: 'track' }, this.#coach.warmupFill),
        this.#coach.warmupText,
      ),
      this.#coach.probabilities,
      h('p', { class: 'caption' }, 'Model ', this.#coach.modelVersion),
      h('h3', {}, 'Session'),
      h(
        'dl',
        { class: 'stats' },
        h('dt', {}, 'Average speed'),
        h('dd', {}, this.#stats.avgSpeed),
        h('dt', {}, 'Distance'),
        h('dd', {}, this.#stats.distance),
        h('dt', {}, 'Fuel used'),
        h('dd', {}, this.#stats.fuel),
        h('dt', {}, 'Consumption'),
        h('dd', {}, this.#stats.economy),
        h('dt', {}, 'Wear e/g/b'),
        h('dd', {}, this.#stats.wear),
      ),
      h('h3', {}, 'Events'),
      this.#log,
    );

    this.element = h(
      'div',
      { class: 'cockpit' },
      h('div', { class: 'left' }, controls, this.#manualPanel),
      gauges,
      coach,
      h(
        'div',
        { class: 'charts' },
        this.#charts.rpm.element,
        this.#charts.speed.element,
        this.#charts.temps.element,
        this.#charts.aggressive.element,
      ),
    );

    const onKey = (event: KeyboardEvent) => this.#onKey(event);
    const onWheel = (event: WheelEvent) => this.#onWheel(event);
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKey);
    this.element.addEventListener('wheel', onWheel, { passive: false });
    const onBlur = () => {
      this.#throttleInput.held = false;
      this.#brakeInput.held = false;
    };
    window.addEventListener('blur', onBlur);
    this.#cleanups.push(
      () => window.removeEventListener('keydown', onKey),
      () => window.removeEventListener('keyup', onKey),
      () => window.removeEventListener('blur', onBlur),
    );

    const hello = ctx.hello();
    if (hello !== undefined) this.#applyHello(hello);
    this.#renderSession();
  }

  onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'hello':
        this.#applyHello(message);
        return;
      case 'session':
        this.#setSession(message.session);
        return;
      case 'state':
        if (this.#session !== null && message.sessionId !== this.#session.id) return;
        this.#state = message;
        this.#stateDirty = true;
        // Every point goes to the charts (cheap ring-buffer writes); the display itself is
        // updated once per animation frame with the latest state.
        this.#charts.rpm.push(message.t, [message.rpm]);
        this.#charts.speed.push(message.t, [message.speedKmh, message.speedLimitKmh]);
        this.#charts.temps.push(message.t, [message.coolantC, message.oilC, message.brakeC]);
        return;
      case 'verdict':
        if (this.#session !== null && message.sessionId === this.#session.id)
          this.#showVerdict(message);
        return;
      case 'event':
        this.#addEvent(message);
        return;
      case 'error':
        this.#addEvent({ type: 'event', atMs: Date.now(), level: 'warn', text: message.message });
        return;
      default:
        return;
    }
  }

  frame(): void {
    const now = performance.now();
    const dt = Math.min(0.1, (now - this.#lastFrameMs) / 1000);
    this.#lastFrameMs = now;
    this.#stepInputs(dt, now);
    const state = this.#state;
    if (state !== undefined && this.#stateDirty) {
      this.#stateDirty = false;
      this.#showState(state);
    }
    this.#rpm.draw();
    this.#speed.draw();
    this.#coolant.draw();
    this.#oil.draw();
    this.#brakeTemp.draw();
    this.#fuelRate.draw();
    for (const chart of Object.values(this.#charts)) chart.draw();
  }

  dispose(): void {
    for (const cleanup of this.#cleanups) cleanup();
    for (const gauge of [
      this.#rpm,
      this.#speed,
      this.#coolant,
      this.#oil,
      this.#brakeTemp,
      this.#fuelRate,
    ])
      gauge.dispose();
    for (const chart of Object.values(this.#charts)) chart.dispose();
    this.#sendInput(0, 0, true);
  }

  // ── setup and control ───────────────────────────────────────────────────────────────

  #applyHello(hello: HelloMessage): void {
    const car = this.#car.value;
    const driver = this.#driver.value;
    replaceChildren(this.#car, ...hello.cars.map((c) => h('option', { value: c.id }, c.name)));
    replaceChildren(
      this.#driver,
      ...hello.drivers.map((d) => h('option', { value: d }, DRIVER_TITLES[d])),
    );
    this.#car.value =
      hello.session?.car.id ??
      (hello.cars.some((c) => c.id === car) ? car : (hello.cars[0]?.id ?? ''));
    this.#driver.value = hello.session?.driver ?? (driver !== '' ? driver : 'normal');
    this.#setSession(hello.session);
  }

  #selectedCar(): CarInfo | undefined {
    return this.#ctx.hello()?.cars.find((c) => c.id === this.#car.value);
  }

  #start(): void {
    const session = this.#session;
    const car = this.#car.value;
    const driver = this.#driver.value as DriverChoice;
    if (session !== null && session.car.id === car && session.driver === driver) {
      if (!session.engineOn) this.#control({ type: 'engine', on: true });
      return;
    }
    this.#control({ type: 'start', car, driver });
  }

  #control(message: Parameters<AppContext['connection']['send']>[0]): void {
    const hello = this.#ctx.hello();
    if (hello?.auth.required === true && !hello.auth.granted) {
      this.#ctx.askToken();
      return;
    }
    if (!this.#ctx.connection.send(message)) {
      // The socket is down: the HTTP API does the same.
      const request =
        message.type === 'start'
          ? api('/api/session', {
              method: 'POST',
              body: JSON.stringify({ car: message.car, driver: message.driver }),
            })
          : message.type === 'stop'
            ? api('/api/session', { method: 'DELETE' })
            : message.type === 'engine'
              ? api('/api/session/engine', {
                  method: 'POST',
                  body: JSON.stringify({ on: message.on }),
                })
              : Promise.resolve();
      request.catch((error: unknown) =>
        this.#addEvent({
          type: 'event',
          atMs: Date.now(),
          level: 'warn',
          text: String(error instanceof Error ? error.message : error),
        }),
      );
    }
  }

  #setSession(session: SessionView | null): void {
    const previous = this.#session;
    this.#session = session;
    if (session !== null && previous?.id !== session.id) {
      for (const chart of Object.values(this.#charts)) chart.clear();
      this.#configureCar(session.car);
      this.#car.value = session.car.id;
      this.#driver.value = session.driver;
      this.#throttleInput.reset();
      this.#brakeInput.reset();
      this.#requestedGear = 0;
      this.#state = undefined;
      this.#showVerdict(undefined);
    }
    if (session === null) {
      const car = this.#selectedCar();
      if (car !== undefined) this.#configureCar(car);
    }
    this.#renderSession();
  }

  #configureCar(car: CarInfo): void {
    const rpmMax = Math.ceil((car.revLimitRpm + 300) / 1000) * 1000;
    this.#rpm.configure({
      label: 'RPM',
      unit: 'rpm',
      min: 0,
      max: rpmMax,
      majorStep: 1000,
      scaleDivisor: 1000,
      redFrom: car.redlineRpm,
    });
    const speedMax = Math.ceil((car.topSpeedKmh + 10) / 20) * 20;
    this.#speed.configure({
      label: 'Speed',
      unit: 'km/h',
      min: 0,
      max: speedMax,
      majorStep: speedMax > 260 ? 40 : 20,
    });
    this.#charts.rpm.max = rpmMax;
  }

  #renderSession(): void {
    const session = this.#session;
    this.#updateManualPanel();
    this.#stopButton.disabled = session === null || !session.engineOn;
    this.#endButton.disabled = session === null;
    this.#startButton.disabled =
      session !== null &&
      session.engineOn &&
      session.car.id === this.#car.value &&
      session.driver === this.#driver.value;
    setText(
      this.#sessionLine,
      session === null
        ? 'No session running.'
        : `${session.car.name} · ${DRIVER_TITLES[session.driver]} · engine ${session.engineOn ? 'on' : 'off'}`,
    );
  }

  #updateManualPanel(): void {
    const manual =
      this.#session?.driver === 'manual' ||
      (this.#session === null && this.#driver.value === 'manual');
    this.#manualPanel.hidden = !manual;
  }

  #isManual(): boolean {
    return this.#session?.driver === 'manual';
  }

  // ── manual driving ──────────────────────────────────────────────────────────────────

  #pedal(name: string, kind: 'throttle' | 'brake'): HTMLElement {
    const fill = h('span', { class: 'pedal-fill' });
    const pedal = h(
      'div',
      {
        class: `pedal ${kind}`,
        role: 'slider',
        tabindex: 0,
        'aria-label': `${name} pedal`,
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': 0,
        'data-testid': `${kind}-pedal`,
      },
      fill,
      h('span', { class: 'pedal-name' }, name),
    );
    const input = () => (kind === 'throttle' ? this.#throttleInput : this.#brakeInput);
    const depth = (event: PointerEvent) => {
      const box = pedal.getBoundingClientRect();
      return Math.min(1, Math.max(0, (box.bottom - event.clientY) / box.height));
    };
    pedal.addEventListener('pointerdown', (event) => {
      pedal.setPointerCapture(event.pointerId);
      input().pointer = depth(event);
    });
    pedal.addEventListener('pointermove', (event) => {
      if (pedal.hasPointerCapture(event.pointerId)) input().pointer = depth(event);
    });
    const release = () => {
      input().pointer = 0;
    };
    pedal.addEventListener('pointerup', release);
    pedal.addEventListener('pointercancel', release);
    return pedal;
  }

  #onKey(event: KeyboardEvent): void {
    if (!this.#isManual()) return;
    const target = event.target as HTMLElement | null;
    if (target !== null && ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
    const down = event.type === 'keydown';
    switch (event.key) {
      case 'ArrowUp':
      case 'w':
      case 'W':
        this.#throttleInput.held = down;
        break;
      case 'ArrowDown':
      case 's':
      case 'S':
        this.#brakeInput.held = down;
        break;
      case 'ArrowRight':
      case 'ArrowLeft':
        if (down && !event.repeat) this.#shift(event.key === 'ArrowRight' ? 1 : -1);
        break;
      case 'a':
      case 'A':
        if (down) this.#requestGear(0);
        break;
      case 'Escape':
        if (down) {
          this.#throttleInput.reset();
          this.#brakeInput.reset();
        }
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  #onWheel(event: WheelEvent): void {
    if (!this.#isManual()) return;
    const delta = event.deltaY !== 0 ? event.deltaY : event.deltaX;
    if (delta === 0) return;
    event.preventDefault();
    const input = event.shiftKey ? this.#brakeInput : this.#throttleInput;
    input.wheel = Math.min(1, Math.max(0, input.wheel + (delta < 0 ? WHEEL_STEP : -WHEEL_STEP)));
  }

  #shift(direction: 1 | -1): void {
    const car = this.#session?.car;
    const current = this.#requestedGear !== 0 ? this.#requestedGear : (this.#state?.gear ?? 1);
    if (car === undefined) return;
    this.#requestGear(Math.min(car.gears, Math.max(1, current + direction)));
  }

  #requestGear(gear: number): void {
    this.#requestedGear = gear;
    setText(this.#gearMode, gear === 0 ? 'auto' : 'manual');
    this.#control({ type: 'gear', gear });
  }

  #stepInputs(dt: number, now: number): void {
    this.#throttleInput.step(dt);
    this.#brakeInput.step(dt);
    const throttle = Math.round(this.#throttleInput.value() * 1000) / 1000;
    const brake = Math.round(this.#brakeInput.value() * 1000) / 1000;
    for (const [pedal, value] of [
      [this.#throttlePedal, throttle],
      [this.#brakePedal, brake],
    ] as const) {
      const percent = String(Math.round(value * 100));
      if (pedal.getAttribute('aria-valuenow') !== percent) {
        pedal.setAttribute('aria-valuenow', percent);
        (pedal.firstElementChild as HTMLElement).style.transform = `scaleY(${value})`;
      }
    }
    if (this.#isManual() && now - this.#lastSentMs >= INPUT_INTERVAL_MS)
      this.#sendInput(throttle, brake, false);
  }

  #sendInput(throttle: number, brake: number, force: boolean): void {
    if (!force && throttle === this.#sentThrottle && brake === this.#sentBrake) return;
    if (!this.#isManual()) return;
    if (this.#ctx.connection.send({ type: 'input', throttle, brake })) {
      this.#sentThrottle = throttle;
      this.#sentBrake = brake;
      this.#lastSentMs = performance.now();
    }
  }

  // ── display ─────────────────────────────────────────────────────────────────────────

  #dial(gauge: Gauge, readout: HTMLElement, unit: string): HTMLElement {
    return h(
      'div',
      { class: 'dial' },
      gauge.element,
      h('span', { class: 'sr-only' }, readout, ' ', unit),
    );
  }

  #bar(name: string, fill: HTMLElement, readout: HTMLElement, kind: string): HTMLElement {
    return h(
      'div',
      { class: `bar ${kind}` },
      h('span', { class: 'caption' }, name),
      h('span', { class: 'track' }, fill),
      h('span', { class: 'bar-value' }, readout, ' %'),
    );
  }

  #showState(s: StateMessage): void {
    this.#rpm.value = s.rpm;
    this.#speed.value = s.speedKmh;
    this.#coolant.value = s.coolantC;
    this.#oil.value = s.oilC;
    this.#brakeTemp.value = s.brakeC;
    this.#fuelRate.value = s.fuelRateLph;
    setText(this.#readouts.rpm, String(Math.round(s.rpm)));
    setText(this.#readouts.speed, s.speedKmh.toFixed(1));
    setText(this.#readouts.coolant, s.coolantC.toFixed(1));
    setText(this.#readouts.oil, s.oilC.toFixed(1));
    setText(this.#readouts.brakeTemp, s.brakeC.toFixed(0));
    setText(this.#readouts.fuelRate, s.fuelRateLph.toFixed(2));
    setText(this.#readouts.throttle, String(Math.round(s.throttle * 100)));
    setText(this.#readouts.brake, String(Math.round(s.brake * 100)));
    setText(this.#gear, s.engineOn || s.speedKmh > 0.5 ? String(s.gear) : 'N');
    this.#throttleBar.style.transform = `scaleX(${s.throttle})`;
    this.#brakeBar.style.transform = `scaleX(${s.brake})`;
    setText(this.#stats.avgSpeed, `${formatNumber(s.avgSpeedKmh, 1)} km/h`);
    setText(this.#stats.distance, `${formatNumber(s.distanceKm, 2)} km`);
    setText(this.#stats.fuel, `${formatNumber(s.fuelUsedL, 3)} L`);
    setText(
      this.#stats.economy,
      s.distanceKm > 0.1 ? `${formatNumber((s.fuelUsedL / s.distanceKm) * 100, 1)} L/100 km` : '—',
    );
    setText(
      this.#stats.wear,
      `${s.engineWearPct.toFixed(2)} / ${s.gearboxWearPct.toFixed(2)} / ${s.brakeWearPct.toFixed(2)} %`,
    );
  }

  #showVerdict(v: VerdictMessage | undefined): void {
    const c = this.#coach;
    if (v === undefined) {
      setText(
        c.status,
        this.#session === null
          ? 'Start the engine to get a verdict.'
          : 'Waiting for the first second…',
      );
      setText(c.label, '—');
      c.label.className = 'verdict-label';
      setText(c.aggressiveText, '—');
      setText(c.confidence, '—');
      c.aggressiveFill.style.transform = 'scaleX(0)';
      c.warmupFill.style.transform = 'scaleX(0)';
      setText(c.warmupText, '0 %');
      replaceChildren(c.probabilities);
      return;
    }
    c.warmupFill.style.transform = `scaleX(${v.progress})`;
    setText(c.warmupText, `${Math.round(v.progress * 100)} %`);
    setText(c.modelVersion, v.modelVersion ?? '—');
    if (v.status === 'no-model') {
      setText(c.status, v.message ?? 'No driving-style model is available.');
      setText(c.label, 'No model');
      c.label.className = 'verdict-label none';
      return;
    }
    if (v.status === 'warming-up') {
      setText(c.status, `Warming up: collecting the first ${10} seconds of driving…`);
      setText(c.label, 'Warming up');
      c.label.className = 'verdict-label none';
      return;
    }
    const aggressive = v.aggressiveProbability ?? 0;
    setText(c.status, `Verdict at ${v.t.toFixed(0)} s of driving.`);
    setText(c.label, v.label ?? '—');
    c.label.className = `verdict-label ${v.label ?? ''}`;
    setText(c.aggressiveText, `${Math.round(aggressive * 100)} %`);
    setText(c.confidence, `${Math.round((v.confidence ?? 0) * 100)} %`);
    c.aggressiveFill.style.transform = `scaleX(${aggressive})`;
    this.#charts.aggressive.push(v.t, [aggressive * 100]);
    const entries = Object.entries(v.probabilities ?? {}).sort((a, b) => b[1] - a[1]);
    replaceChildren(
      c.probabilities,
      ...entries.map(([label, p]) =>
        h(
          'li',
          {},
          h('span', { class: 'prob-label' }, label),
          h(
            'span',
            { class: 'track' },
            h('span', { class: `fill ${label}`, style: `transform:scaleX(${p})` }),
          ),
          h('span', { class: 'prob-value' }, `${Math.round(p * 100)} %`),
        ),
      ),
    );
  }

  #addEvent(event: EventMessage): void {
    const time = new Date(event.atMs).toLocaleTimeString('en-GB');
    this.#log.prepend(h('li', { class: event.level }, h('time', {}, time), ' ', event.text));
    while (this.#log.childElementCount > MAX_LOG_LINES) this.#log.lastElementChild?.remove();
  }
}
