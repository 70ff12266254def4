import { useState } from 'react';
import type { Device } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useAction, useLive } from '../api/hooks.js';
import { formatFull } from '../lib/time.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { ErrorText } from '../ui/ErrorText.js';
import { LinkDeviceForm } from './LinkDeviceForm.js';

export function DevicesPage() {
  const api = useApi();
  const devices = useLive<Device[], 'devicesChanged'>(() => api.call('listDevices', {}), 'devicesChanged', (_current, next) => next);
  return (
    <div className="page-scroll">
      <h1>Devices</h1>
      <p className="muted">Every device listed here can read your messages. Revoke one you no longer use or no longer trust.</p>
      <div className="columns">
        <section className="card" aria-labelledby="devices-title">
          <h2 id="devices-title">Your devices</h2>
          <ErrorText error={devices.error} />
          <ul className="device-list">
            {(devices.data ?? []).map((device) => (
              <DeviceRow key={device.deviceId} device={device} />
            ))}
          </ul>
        </section>
        <LinkDeviceForm />
      </div>
    </div>
  );
}

function DeviceRow({ device }: { device: Device }) {
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const revoke = useAction(() => api.call('revokeDevice', { deviceId: device.deviceId }));
  return (
    <li className="device-row">
      <span className="contact-text">
        <span className="title">
          {device.name}
          {device.current && <span className="verified-tag">This device</span>}
        </span>
        <span className="muted small">Linked {formatFull(device.linkedAt)}</span>
      </span>
      {!device.current && (
        <button type="button" className="danger" onClick={() => setConfirming(true)} aria-label={`Revoke ${device.name}`}>
          Revoke
        </button>
      )}
      <ErrorText error={revoke.error} />
      {confirming && (
        <ConfirmDialog
          title={`Revoke ${device.name}?`}
          confirmLabel="Revoke device"
          danger
          onCancel={() => setConfirming(false)}
          onConfirm={async () => {
            setConfirming(false);
            await revoke.run();
          }}
        >
          <p>That device will stop receiving new messages. Messages it already has stay on it.</p>
        </ConfirmDialog>
      )}
    </li>
  );
}
