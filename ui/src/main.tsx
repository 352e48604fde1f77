/**
 * The tickd web console (DESIGN §12): alerts now, silences, history, failed deliveries,
 * connectors and integrations, health and cluster, on top of tickd's API. Who is asking and
 * whether they may change anything comes from `/tickd/v1/whoami`; read-only users see no
 * action buttons (and the API refuses them).
 */
import { render, type JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { clearCredentials, getJson, onUnauthorized, setCredentials, type WhoAmI } from "./api";
import { AlertsPage } from "./pages/alerts";
import { ClusterPage } from "./pages/cluster";
import { DeliveriesPage } from "./pages/deliveries";
import { HealthPage } from "./pages/health";
import { HistoryPage } from "./pages/history";
import { IntegrationsPage } from "./pages/integrations";
import { SilencesPage } from "./pages/silences";
import { BASE, Link, useLocation } from "./router";
import "./style.css";

const PAGES = [
  { path: "", title: "Alerts" },
  { path: "silences", title: "Silences" },
  { path: "history", title: "History" },
  { path: "deliveries", title: "Failed deliveries" },
  { path: "integrations", title: "Integrations" },
  { path: "health", title: "Health" },
  { path: "cluster", title: "Cluster" },
] as const;

function App(): JSX.Element {
  const url = useLocation();
  const page = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length).replace(/\/$/, "") : "";
  const [who, setWho] = useState<WhoAmI | undefined>(undefined);
  const [needLogin, setNeedLogin] = useState(false);
  const [whoError, setWhoError] = useState("");

  const loadWho = (): void => {
    getJson<WhoAmI>("/tickd/v1/whoami").then(
      (w) => {
        setWho(w);
        setNeedLogin(false);
        setWhoError("");
      },
      (e: unknown) => setWhoError(e instanceof Error ? e.message : String(e)),
    );
  };
  useEffect(() => {
    loadWho();
    return onUnauthorized(() => setNeedLogin(true));
  }, []);

  const title = PAGES.find((p) => p.path === page)?.title ?? "Not found";
  useEffect(() => {
    document.title = `${title} · tickd`;
  }, [title]);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">tickd</span>
        <nav aria-label="Console">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <Link href={BASE + p.path} {...(p.path === page ? { "aria-current": "page" as const } : {})}>
                  {p.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {who?.auth === true && who.user !== "" ? who.user : ""}
          {who !== undefined && !who.write && <span class="badge">read-only</span>}
          {who?.auth === true && (
            <button
              type="button"
              class="link"
              onClick={() => {
                clearCredentials();
                setWho(undefined);
                setNeedLogin(true);
              }}
            >
              Sign out
            </button>
          )}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {needLogin ? (
          <Login onDone={loadWho} />
        ) : who === undefined ? (
          <p role={whoError !== "" ? "alert" : "status"}>{whoError || "Loading…"}</p>
        ) : (
          <Page page={page} who={who} />
        )}
      </main>
    </>
  );
}

function Page(props: { page: string; who: WhoAmI }): JSX.Element {
  const write = props.who.write;
  switch (props.page) {
    case "":
      return <AlertsPage write={write} user={props.who.user} />;
    case "silences":
      return <SilencesPage write={write} />;
    case "history":
      return <HistoryPage />;
    case "deliveries":
      return <DeliveriesPage write={write} />;
    case "integrations":
      return <IntegrationsPage write={write} />;
    case "health":
      return <HealthPage />;
    case "cluster":
      return <ClusterPage />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no console page here. <Link href={BASE}>Go to the alerts.</Link>
          </p>
        </section>
      );
  }
}

function Login(props: { onDone: () => void }): JSX.Element {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  return (
    <form
      class="panel login"
      aria-labelledby="login-title"
      onSubmit={(e) => {
        e.preventDefault();
        setCredentials(user, password);
        props.onDone();
      }}
    >
      <h1 id="login-title">Sign in to tickd</h1>
      <label for="login-user">User</label>
      <input
        id="login-user"
        autoComplete="username"
        value={user}
        onInput={(e) => setUser(e.currentTarget.value)}
      />
      <label for="login-password">Password</label>
      <input
        id="login-password"
        type="password"
        autoComplete="current-password"
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      <div class="buttons">
        <button type="submit" class="primary">
          Sign in
        </button>
      </div>
    </form>
  );
}

render(<App />, document.getElementById("app")!);
