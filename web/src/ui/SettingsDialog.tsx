import { useEffect, useState } from 'preact/hooks';
import { useClient } from './hooks';
import { Dialog } from './widgets';

interface DeviceRow {
  device_id?: string;
  platform?: string;
  last_seen_ms?: string;
  current?: boolean;
}

/** The user's privacy settings and signed-in devices. */
export function SettingsDialog({ onClose }: { onClose(): void }) {
  const [client] = useClient();
  const [receiptsOff, setReceiptsOff] = useState(false);
  const [presence, setPresence] = useState('CONTACTS');
  const [devices, setDevices] = useState<DeviceRow[]>([]);
  const [loaded, setLoaded] = useState(false);
  const load = async () => {
    try {
      const [p, d] = await Promise.all([client.getPrivacy(), client.listDevices()]);
      setReceiptsOff(!!p.privacy?.receipts_disabled);
      const v = String(p.privacy?.presence ?? 'CONTACTS');
      setPresence(v === 'PRESENCE_VISIBILITY_UNSPECIFIED' ? 'CONTACTS' : v);
      setDevices(d.devices ?? []);
      setLoaded(true);
    } catch (e) {
      client.reportError(e);
    }
  };
  useEffect(() => void load(), []);
  const save = (e: Event) => {
    e.preventDefault();
    void client.setPrivacy({ receipts_disabled: receiptsOff, presence: presence as 'CONTACTS' });
  };
  return (
    <Dialog title="Privacy and devices" onClose={onClose}>
      <form class="form" onSubmit={save}>
        <fieldset disabled={!loaded}>
          <label class="check">
            <input type="checkbox" checked={receiptsOff} onChange={(e) => setReceiptsOff(e.currentTarget.checked)} /> Don't send read and
            delivered receipts
          </label>
          <label>
            Who sees when I'm online
            <select value={presence} onChange={(e) => setPresence(e.currentTarget.value)}>
              <option value="CONTACTS">Friends and people I chat with</option>
              <option value="FRIENDS">Friends only</option>
              <option value="NOBODY">Nobody</option>
            </select>
          </label>
          <button class="primary" type="submit">
            Save
          </button>
        </fieldset>
      </form>
      <h3>Signed-in devices</h3>
      <ul class="people" aria-label="Signed-in devices">
        {devices.map((d) => (
          <li>
            <span class="grow">
              {d.device_id} <small class="muted">{String(d.platform ?? '').toLowerCase()}</small>
              {d.current && <span class="role role-owner">This browser</span>}
              <br />
              <small class="muted">last seen {new Date(Number(d.last_seen_ms ?? 0)).toLocaleString()}</small>
            </span>
            {!d.current && (
              <button
                class="ghost danger"
                onClick={async () => {
                  if (confirm(`Sign out ${d.device_id}?`) && (await client.revokeDevice(d.device_id!))) void load();
                }}
              >
                Sign out
              </button>
            )}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
