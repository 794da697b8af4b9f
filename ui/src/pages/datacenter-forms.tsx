// The datacenter page's forms: start a shadow run (the files on the server, speed, window,
// calibration) and add a what-if topology beside it.
import { useState } from 'preact/hooks';
import { ErrorMessage } from '../components/error-message.js';
import { navigate } from '../shell/router.js';
import { datacenterApi, type ShadowStart } from './datacenter-api.js';

/** The speed field as the API takes it: a positive number or "max"; null when it is neither. */
export function speedOf(text: string): number | 'max' | null {
  const trimmed = text.trim();
  if (trimmed === 'max') return 'max';
  const speed = Number(trimmed);
  return trimmed !== '' && Number.isFinite(speed) && speed > 0 ? speed : null;
}

/**
 * Starts a shadow run of `id` (or of the id typed in, when none is given) and goes to its page.
 * The paths are the server's (an admin's request).
 */
export function ShadowForm({ id, onStarted }: { id?: string; onStarted?: () => void }) {
  const [name, setName] = useState('');
  const [workload, setWorkload] = useState('');
  const [topology, setTopology] = useState('');
  const [power, setPower] = useState('');
  const [carbon, setCarbon] = useState('');
  const [speed, setSpeed] = useState('300');
  const [windowText, setWindowText] = useState('5m');
  const [calibrate, setCalibrate] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const target = (id ?? name).trim();
    const pace = speedOf(speed);
    if (!target) return setError(new Error('Give the datacenter an id.'));
    if (pace === null) return setError(new Error('Speed is a positive number or "max".'));
    const body: ShadowStart = {
      workload: workload.trim(),
      topology: topology.trim(),
      power: power.trim(),
      speed: pace,
      calibrate,
    };
    if (carbon.trim()) body.carbon = carbon.trim();
    if (windowText.trim()) body.window = windowText.trim();
    setBusy(true);
    try {
      await datacenterApi.start(target, body);
      setError(null);
      onStarted?.();
      if (!id) navigate(`/datacenters/${encodeURIComponent(target)}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const text = (
    label: string,
    value: string,
    set: (value: string) => void,
    placeholder: string,
    required = true,
  ) => (
    <label>
      {label}
      <input
        value={value}
        required={required}
        placeholder={placeholder}
        onInput={(event) => set(event.currentTarget.value)}
      />
    </label>
  );

  return (
    <form class="create" aria-label="Start a shadow run" onSubmit={(event) => void submit(event)}>
      {!id && text('Datacenter id', name, setName, 'surf')}
      {text('Workload directory', workload, setWorkload, '/data/surf')}
      {text('Topology file', topology, setTopology, '/data/surf/topology-asymptotic.json')}
      {text('Measured power file', power, setPower, '/data/surf/consumption.parquet')}
      {text('Carbon intensity file', carbon, setCarbon, '(optional)', false)}
      {text('Speed', speed, setSpeed, '300 or max')}
      {text('Window', windowText, setWindowText, '5m', false)}
      <label class="check">
        <input
          type="checkbox"
          checked={calibrate}
          onChange={(event) => setCalibrate(event.currentTarget.checked)}
        />
        Calibrate
      </label>
      <button type="submit" class="primary" disabled={busy}>
        Start shadow run
      </button>
      <ErrorMessage error={error} testId="shadow-form-error" />
    </form>
  );
}

/** Adds (or replaces) a what-if topology beside the live run. */
export function WhatIfForm({ id, onAdded }: { id: string; onAdded: () => void }) {
  const [name, setName] = useState('');
  const [topology, setTopology] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await datacenterApi.putWhatif(id, name.trim(), topology.trim());
      setError(null);
      setName('');
      onAdded();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="create" aria-label="Add a what-if" onSubmit={(event) => void submit(event)}>
      <label>
        What-if name
        <input
          value={name}
          required
          placeholder="half-hosts"
          onInput={(event) => setName(event.currentTarget.value)}
        />
      </label>
      <label>
        What-if topology file
        <input
          value={topology}
          required
          placeholder="/data/topology-half.json"
          onInput={(event) => setTopology(event.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        Add what-if
      </button>
      <ErrorMessage error={error} testId="whatif-form-error" />
    </form>
  );
}
