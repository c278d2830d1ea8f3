// The team part of Settings: join (server address + invite code), the
// team this device is in and leaving it (confirmed; if changes wait, the
// user picks between syncing first and leaving anyway), Wi-Fi only with
// the network now, the storage budget against what videos use, and the
// team's devices as far as this device knows them.
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";

import type { NetworkView, SettingsView, StorageView, TeamView } from "../bindings";
import { Icon } from "../components/Icon";
import { formatAgo, formatBytes } from "../lib/format";
import { href } from "../router";
import type { TeamStore } from "../stores/team";

const MB = 1_000_000;
const GB = 1_000_000_000;
/** Budgets offered, in decimal units as phones show storage. */
export const BUDGETS = [500 * MB, 1 * GB, 2 * GB, 5 * GB, 10 * GB, 20 * GB, 50 * GB];

export function TeamSettings({ store }: { store: TeamStore }): JSX.Element {
  useEffect(() => {
    void store.load();
  }, [store]);
  const team = store.team.value;
  const settings = store.settings.value;
  return (
    <>
      {store.loadError.value && (
        <p class="error" role="alert">
          {store.loadError.value}
        </p>
      )}
      {team && (team.account ? <Joined store={store} team={team} /> : <JoinForm store={store} />)}
      {settings && <SyncPreferences store={store} settings={settings} storage={store.storage.value} />}
      {team && <Devices team={team} />}
    </>
  );
}

function JoinForm({ store }: { store: TeamStore }): JSX.Element {
  const error = store.joinError.value;
  const codeWrong = error?.kind === "invalid_invite";
  const urlWrong = error?.kind === "bad_url" || error?.kind === "unreachable";
  return (
    <section class="card" aria-labelledby="team-title" data-testid="join-card">
      <h2 id="team-title">
        <Icon name="team" size={20} /> Join your team
      </h2>
      <p class="muted">Your team admin sends the server address and an invite code. Clips you made before joining go to the team as yours.</p>
      <form
        class="join-form"
        onSubmit={(e) => {
          e.preventDefault();
          void store.join();
        }}
      >
        <label class="field">
          Server address
          <input
            id="join-server"
            class="input"
            type="url"
            inputMode="url"
            autocomplete="url"
            placeholder="https://debrief.example.com"
            required
            value={store.serverUrl.value}
            aria-invalid={urlWrong ? "true" : undefined}
            onInput={(e) => (store.serverUrl.value = e.currentTarget.value)}
          />
        </label>
        <label class="field">
          Invite code
          <input
            id="join-code"
            class="input code-input"
            type="text"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            placeholder="ABCD-EFGH-JKLM-NPQR"
            required
            value={store.inviteCode.value}
            aria-invalid={codeWrong ? "true" : undefined}
            onInput={(e) => (store.inviteCode.value = e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>
            Your name <span class="muted optional">(shown on your clips)</span>
          </span>
          <input
            id="join-name"
            class="input"
            type="text"
            autocomplete="name"
            value={store.displayName.value}
            onInput={(e) => (store.displayName.value = e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert" data-testid="join-error">
            {error.message}
          </p>
        )}
        <div class="form-actions">
          <button type="submit" class="button button-primary" data-testid="join-submit" disabled={store.joinBusy.value}>
            {store.joinBusy.value ? "Joining…" : "Join team"}
          </button>
        </div>
      </form>
    </section>
  );
}

function Joined({ store, team }: { store: TeamStore; team: TeamView }): JSX.Element {
  const a = team.account;
  if (!a) return <></>;
  const step = store.leaveStep.value;
  const error = store.leaveError.value;
  return (
    <section class="card" aria-labelledby="team-title" data-testid="team-card">
      <h2 id="team-title">
        <Icon name="team" size={20} /> {a.team_name}
      </h2>
      <dl class="facts">
        <dt>Server</dt>
        <dd class="path" data-testid="team-server">
          {a.server_url}
        </dd>
        <dt>You</dt>
        <dd>
          {a.display_name} ({a.role})
        </dd>
        <dt>This device</dt>
        <dd>{a.device_name}</dd>
      </dl>
      {step === "idle" && (
        <div class="form-actions">
          <a class="button" href={href({ name: "sync" })}>
            Sync status
          </a>
          <button type="button" class="button button-danger-quiet" data-testid="leave" onClick={store.askLeave}>
            Leave team
          </button>
        </div>
      )}
      {step === "confirm" && (
        <div class="leave-confirm" role="alertdialog" aria-labelledby="leave-q" data-testid="leave-confirm">
          <p id="leave-q">
            Leave {a.team_name}? Your clips stay on this device; the team's clips you have not downloaded go away from it.
          </p>
          {error && <p class="error">{error.message}</p>}
          <div class="form-actions">
            <button type="button" class="button button-danger" data-testid="leave-yes" disabled={store.leaveBusy.value} onClick={() => void store.leave(false)}>
              {store.leaveBusy.value ? "Leaving…" : "Leave"}
            </button>
            <button type="button" class="button" onClick={store.cancelLeave}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {step === "unsynced" && (
        <div class="leave-confirm" role="alertdialog" aria-labelledby="leave-unsynced" data-testid="leave-unsynced">
          <p id="leave-unsynced" class="error">
            {error?.message}
          </p>
          <div class="form-actions">
            <a class="button button-primary" href={href({ name: "sync" })} onClick={store.cancelLeave}>
              Sync first
            </a>
            <button type="button" class="button button-danger" data-testid="leave-force" disabled={store.leaveBusy.value} onClick={() => void store.leave(true)}>
              Leave anyway
            </button>
            <button type="button" class="button" onClick={store.cancelLeave}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function networkWords(n: NetworkView): string {
  switch (n) {
    case "unmetered":
      return "Wi-Fi or wired (unmetered)";
    case "metered":
      return "metered (cellular or hotspot)";
    case "offline":
      return "offline";
  }
}

function SyncPreferences({ store, settings, storage }: { store: TeamStore; settings: SettingsView; storage: StorageView | null }): JSX.Element {
  const budgets = BUDGETS.includes(settings.storage_budget_bytes)
    ? BUDGETS
    : [...BUDGETS, settings.storage_budget_bytes].sort((x, y) => x - y);
  const used = storage?.media_bytes ?? 0;
  const over = used > settings.storage_budget_bytes;
  return (
    <section class="card" aria-labelledby="prefs-title" data-testid="sync-prefs">
      <h2 id="prefs-title">Videos and data</h2>
      <label class="check switch">
        <input
          type="checkbox"
          id="wifi-only"
          role="switch"
          checked={settings.wifi_only}
          disabled={store.settingsBusy.value}
          onChange={(e) => void store.setWifiOnly(e.currentTarget.checked)}
        />
        <span>
          <strong>Wi-Fi only</strong>
          <span class="muted help">
            {settings.wifi_only
              ? "Videos upload and download on Wi-Fi or wired networks only. Titles, tags and notes sync on any network."
              : "Videos also move on cellular data. Titles, tags and notes sync on any network."}
          </span>
        </span>
      </label>
      <p class="muted" data-testid="network-now">
        Network now: {networkWords(settings.network)}
      </p>
      <label class="field">
        Storage for downloaded videos
        <select
          id="storage-budget"
          class="input"
          value={String(settings.storage_budget_bytes)}
          disabled={store.settingsBusy.value}
          onChange={(e) => void store.setBudget(Number(e.currentTarget.value))}
        >
          {budgets
            .filter((b) => b >= settings.min_storage_budget_bytes)
            .map((b) => (
              <option key={b} value={String(b)}>
                {formatBytes(b)}
              </option>
            ))}
        </select>
      </label>
      <div class="budget-bar" aria-hidden="true">
        <BudgetFill fraction={settings.storage_budget_bytes > 0 ? used / settings.storage_budget_bytes : 0} over={over} />
      </div>
      <p class={over ? "error" : "muted"} data-testid="budget-usage">
        Videos on this device: {formatBytes(used)} of {formatBytes(settings.storage_budget_bytes)}.
        {over
          ? " Over budget: your own unsynced, pinned and playbook videos are never removed."
          : " The least recently watched downloads make room first; pinned and playbook videos stay."}
      </p>
      {store.settingsError.value && (
        <p class="error" role="alert">
          {store.settingsError.value}
        </p>
      )}
    </section>
  );
}

/** Preact sets `style` through the CSSOM, which the CSP allows (no inline style attribute). */
function BudgetFill({ fraction, over }: { fraction: number; over: boolean }): JSX.Element {
  const pct = `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
  return <span class={over ? "budget-fill budget-over" : "budget-fill"} style={{ width: pct }} />;
}

function Devices({ team }: { team: TeamView }): JSX.Element {
  const admin = team.account?.role === "admin";
  return (
    <section class="card" aria-labelledby="devices-title" data-testid="devices">
      <h2 id="devices-title">{team.account && admin ? "Team devices" : "Your devices"}</h2>
      <ul class="devices">
        {team.devices.map((d) => (
          <li key={d.id} data-testid="device">
            <strong>{d.name}</strong>
            {d.this_device && <span class="badge badge-local">This device</span>}
            {(d.owner || d.last_seen_at) && (
              <span class="muted device-detail">
                {[admin ? d.owner : null, d.last_seen_at ? `active ${formatAgo(d.last_seen_at)}` : null]
                  .filter(Boolean)
                  .join(" · ")}
              </span>
            )}
          </li>
        ))}
      </ul>
      {team.devices_note && (
        <p class="muted" data-testid="devices-note">
          {team.devices_note}
        </p>
      )}
      <p class="muted">
        {!team.account
          ? "Join a team to back up this device's clips and get your team's."
          : admin
            ? "A lost phone can be revoked on the server (debrief-server revoke DEVICE_ID); it then wipes the team's data from itself."
            : "Lost a phone? Ask your team admin to revoke it: it then wipes the team's data from itself."}
      </p>
    </section>
  );
}
