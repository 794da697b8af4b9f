// The API's types, generated from its OpenAPI document by scripts/generate-api-types.ts: do not edit.
// Regenerate with `npm run generate:api` after changing a route's schema.
export interface paths {
  '/api/2/alerts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The alerts the requester may read, newest raised first, filtered and paged */
    get: {
      parameters: {
        query?: {
          assessment?: string;
          /** @description From the previous page */
          cursor?: string;
          /** @description Raised at or after (ISO 8601 or epoch ms) */
          from?: string;
          /** @description Page size, 1…200 (default 50) */
          limit?: string;
          severity?: string;
          /** @description active, acknowledged or resolved */
          state?: string;
          thingId?: string;
          /** @description Raised before (ISO 8601 or epoch ms) */
          to?: string;
          /** @description The type id whose assessment raised it */
          type?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              cursor?: string;
              items: {
                acknowledged?: {
                  /** Format: date-time */
                  at?: string;
                  by?: string;
                  note?: string;
                };
                alertId: string;
                assessment: string;
                /** Format: date-time */
                raised: string;
                raisedRevision: number;
                /** Format: date-time */
                resolved?: string;
                resolvedRevision?: number;
                severity: string;
                /** @enum {string} */
                state: 'active' | 'acknowledged' | 'resolved';
                thingId: string;
                type: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/alerts/{alertId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One alert */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description '<thingId>:<assessment>:<revision>' */
          alertId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              acknowledged?: {
                /** Format: date-time */
                at?: string;
                by?: string;
                note?: string;
              };
              alertId: string;
              assessment: string;
              /** Format: date-time */
              raised: string;
              raisedRevision: number;
              /** Format: date-time */
              resolved?: string;
              resolvedRevision?: number;
              severity: string;
              /** @enum {string} */
              state: 'active' | 'acknowledged' | 'resolved';
              thingId: string;
              type: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/alerts/{alertId}/ack': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Acknowledge an active alert, with an optional note (an event on its twin) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description '<thingId>:<assessment>:<revision>' */
          alertId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            note?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              acknowledged?: {
                /** Format: date-time */
                at?: string;
                by?: string;
                note?: string;
              };
              alertId: string;
              assessment: string;
              /** Format: date-time */
              raised: string;
              raisedRevision: number;
              /** Format: date-time */
              resolved?: string;
              resolvedRevision?: number;
              severity: string;
              /** @enum {string} */
              state: 'active' | 'acknowledged' | 'resolved';
              thingId: string;
              type: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/auth/keys/rotate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Rotate the JWT signing key (administrators) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/auth/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Log in with a username and password: a short-lived JWT and a refresh token */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            password: string;
            username: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              access_token: string;
              /** @description Seconds */
              expires_in: number;
              refresh_token: string;
              token_type: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/auth/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Log out a refresh token's session: its refresh and access tokens, and the API tokens they minted */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            refresh_token: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/auth/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Exchange a refresh token for new tokens */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            refresh_token: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              access_token: string;
              /** @description Seconds */
              expires_in: number;
              refresh_token: string;
              token_type: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/checkPermissions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Check permissions of the caller: {"label": {"resource": "thing:/", "entityId": "ns:x", "hasPermissions": ["READ"]}} */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            [key: string]: {
              entityId: string;
              hasPermissions: string[];
              /** @description e.g. thing:/attributes/location */
              resource: string;
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              [key: string]: boolean;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/clients': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The clients connected now: MQTT (embedded broker), WebSocket and event streams, with who they are and what they subscribe to (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items: {
                /** @description The MQTT client id (MQTT clients) */
                clientId?: string;
                /** Format: date-time */
                connectedSince: string;
                /** @description The session number (WebSocket and event streams) */
                id?: string;
                /** @description The subject it authenticated as; null for a device without a token */
                identity: string | null;
                remoteAddress: string | null;
                /** @description MQTT topic filters; a socket's `events`, `messages`, `live-commands`, `live-events`, `policy-announcements` (with their query, e.g. `events?namespaces=org.acme`); a stream's resource */
                subscriptions: string[];
                /** @enum {string} */
                transport: 'mqtt' | 'websocket' | 'sse';
              }[];
              /** @description Whether MQTT clients can be listed: only the embedded broker's; an external broker's are not seen */
              mqtt: {
                clientsVisible: boolean;
                /** @enum {string} */
                mode: 'embedded' | 'external' | 'off';
              };
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/cloudevents': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Processes a CloudEvent whose data is a Ditto Protocol twin command */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/datacenters': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The datacenters of this node, with their shadow runs and what-ifs (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items?: ({
                id?: string;
                shadow?:
                  | ({
                      endedAt?: string | null;
                      id?: string;
                      mape?: number | null;
                      mapeUncalibrated?: number | null;
                      out?: string;
                      progress?: {
                        achievedSpeed?: number;
                        fraction?: number;
                        windows?: number;
                        windowsDone?: number;
                      };
                      startedAt?: string;
                      /** @enum {string} */
                      state?: 'running' | 'succeeded' | 'failed' | 'stopped';
                    } & {
                      [key: string]: unknown;
                    })
                  | null;
                thingId?: string;
                whatifs?: string[];
              } & {
                [key: string]: unknown;
              })[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/datacenters/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One datacenter: its shadow run and what-ifs (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The datacenter: 1-64 of A-Z a-z 0-9 _ - */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id?: string;
              shadow?:
                | ({
                    endedAt?: string | null;
                    id?: string;
                    mape?: number | null;
                    mapeUncalibrated?: number | null;
                    out?: string;
                    progress?: {
                      achievedSpeed?: number;
                      fraction?: number;
                      windows?: number;
                      windowsDone?: number;
                    };
                    startedAt?: string;
                    /** @enum {string} */
                    state?: 'running' | 'succeeded' | 'failed' | 'stopped';
                  } & {
                    [key: string]: unknown;
                  })
                | null;
              thingId?: string;
              whatifs?: string[];
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/datacenters/{id}/shadow': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The shadow run: state, progress, MAPE, latest window, summary (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The datacenter: 1-64 of A-Z a-z 0-9 _ - */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              endedAt?: string | null;
              id?: string;
              mape?: number | null;
              mapeUncalibrated?: number | null;
              out?: string;
              progress?: {
                achievedSpeed?: number;
                fraction?: number;
                windows?: number;
                windowsDone?: number;
              };
              startedAt?: string;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed' | 'stopped';
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    put?: never;
    /** Start a shadow run of the datacenter (202; follow its Location) (administrators) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The datacenter: 1-64 of A-Z a-z 0-9 _ - */
          id: string;
        };
        cookie?: never;
      };
      /** @description Replays a workload and its measured power through the datacenter twin window by window (administrators only: the paths are files on the server) */
      requestBody: {
        content: {
          'application/json': {
            /** @description Online calibration (default true) */
            calibrate?: boolean;
            /** @description Carbon intensity Parquet (timestamp, carbon_intensity) */
            carbon?: string;
            /** @description Export interval, s (default 150) */
            exportInterval?: number;
            /** @description Where results.parquet, summary.json, power_plot.png go (default <data>/datacenters/<id>/shadow) */
            out?: string;
            /** @description Measured power Parquet (timestamp, power_draw) */
            power: string;
            /** @description Simulated seconds per wall second, or "max" (default 300) */
            speed?: number | string;
            topology:
              | string
              | {
                  [key: string]: unknown;
                };
            /** @description Window: a duration ("5m") or seconds */
            window?: string | number;
            /** @description Directory with tasks.parquet and fragments.parquet */
            workload: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              endedAt?: string | null;
              id?: string;
              mape?: number | null;
              mapeUncalibrated?: number | null;
              out?: string;
              progress?: {
                achievedSpeed?: number;
                fraction?: number;
                windows?: number;
                windowsDone?: number;
              };
              startedAt?: string;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed' | 'stopped';
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    /** Stop the shadow run after the window in progress (204) (administrators) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The datacenter: 1-64 of A-Z a-z 0-9 _ - */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/datacenters/{id}/shadow/plot.png': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The run's power_plot.png once written (404 before) (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The datacenter: 1-64 of A-Z a-z 0-9 _ - */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/datacenters/{id}/shadow/results': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The shadow run rows so far and the MAPE per window (administrators) */
    get: {
      parameters: {
        query?: {
          /** @description ISO 8601, epoch ms or now-<duration> */
          from?: string;
          /** @description ISO 8601, epoch ms or now-<duration> */
          to?: string;
        };
        header?: never;
        path: {
          /** @description The datacenter: 1-64 of A-Z a-z 0-9 _ - */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              mapeOverTime?: {
                [key: string]: unknown;
              }[];
              rows?: {
                [key: string]: unknown;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/datacenters/{id}/shadow/utilisation': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Each host's mean utilisation per step so far: the heat map (administrators) */
    get: {
      parameters: {
        query?: {
          /** @description A duration (default 1h) */
          step?: string;
        };
        header?: never;
        path: {
          /** @description The datacenter: 1-64 of A-Z a-z 0-9 _ - */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/datacenters/{id}/whatif/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A what-if: energy, peak power, carbon and the difference from the live run (administrators) */
    get: {
      parameters: {
        query?: {
          /** @description true adds the rows */
          rows?: string;
        };
        header?: never;
        path: {
          /** @description The datacenter */
          id: string;
          /** @description The what-if: 1-64 of A-Z a-z 0-9 _ - */
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              carbonG?: number | null;
              difference?: {
                [key: string]: unknown;
              };
              energyKwh?: number;
              name?: string;
              peakPowerW?: number;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed' | 'stopped';
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    /** Simulate the same workload on another topology beside the live run (administrators) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The datacenter */
          id: string;
          /** @description The what-if: 1-64 of A-Z a-z 0-9 _ - */
          name: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            topology:
              | string
              | {
                  [key: string]: unknown;
                };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              carbonG?: number | null;
              difference?: {
                [key: string]: unknown;
              };
              energyKwh?: number;
              name?: string;
              peakPowerW?: number;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed' | 'stopped';
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              carbonG?: number | null;
              difference?: {
                [key: string]: unknown;
              };
              energyKwh?: number;
              name?: string;
              peakPowerW?: number;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed' | 'stopped';
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    post?: never;
    /** Stop and remove a what-if (204) (administrators) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The datacenter */
          id: string;
          /** @description The what-if: 1-64 of A-Z a-z 0-9 _ - */
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/experiments': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The experiments in the server’s folder, with their runs (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items?: {
                name?: string;
                runs?: {
                  run?: number;
                  /** @enum {string} */
                  state?: 'running' | 'succeeded' | 'failed' | 'stopped';
                  /** @description The run's summary.json */
                  summary?: {
                    [key: string]: unknown;
                  } | null;
                }[];
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** Start a run of an experiment config in the background (202; follow its Location) (administrators) */
    post: {
      parameters: {
        query?: {
          /** @description The experiment's name when the config gives none (OpenDT's layout never does; default config) */
          name?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      /** @description An experiment config with the keys of `twinfold experiment run` (Twinfold's layout: name, workload, topology, power, carbon, simulation, features, calibration; or OpenDT's: global, services, kafka), as JSON or as application/yaml text. `output` is refused: runs go to <data dir>/experiments/<name>/run_<n>/. Relative paths count from the server's working directory. */
      requestBody: {
        content: {
          'application/json': {
            [key: string]: unknown;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description The checked config, paths made absolute */
              config?: {
                [key: string]: unknown;
              } | null;
              error?: {
                message?: string;
              } | null;
              name?: string;
              progress?: {
                achievedSpeed?: number;
                fraction?: number;
                windows?: number;
                windowsDone?: number;
              };
              run?: number;
              startedAt?: string | null;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed' | 'stopped';
              /** @description The run's summary.json */
              summary?: {
                [key: string]: unknown;
              } | null;
              unused?: string[];
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/experiments/{name}/runs/{run}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One run: state, progress, summary, error and config (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The experiment: 1-100 of A-Z a-z 0-9 . _ - */
          name: string;
          /** @description The run number, from 1 */
          run: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description The checked config, paths made absolute */
              config?: {
                [key: string]: unknown;
              } | null;
              error?: {
                message?: string;
              } | null;
              name?: string;
              progress?: {
                achievedSpeed?: number;
                fraction?: number;
                windows?: number;
                windowsDone?: number;
              };
              run?: number;
              startedAt?: string | null;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed' | 'stopped';
              /** @description The run's summary.json */
              summary?: {
                [key: string]: unknown;
              } | null;
              unused?: string[];
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Remove a finished run's folder (204; 409 while it runs) (administrators) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The experiment: 1-100 of A-Z a-z 0-9 . _ - */
          name: string;
          /** @description The run number, from 1 */
          run: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/experiments/{name}/runs/{run}/power_plot.png': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The run's power_plot.png once written (404 before) (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The experiment: 1-100 of A-Z a-z 0-9 . _ - */
          name: string;
          /** @description The run number, from 1 */
          run: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/experiments/{name}/runs/{run}/results': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The rows of the run's results.parquet once written (404 before) (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The experiment: 1-100 of A-Z a-z 0-9 . _ - */
          name: string;
          /** @description The run number, from 1 */
          run: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              rows?: {
                /** @description W */
                measured?: number | null;
                /** @description W */
                predicted?: number;
                /** @description Epoch ms */
                timestamp?: number;
                /** @description W */
                uncalibrated?: number;
                windowId?: number;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/forecasts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Forecast one twin property with the built-in forecaster: a run (mean, lower, upper) of the model twinfold.forecast */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description How much history to fit (default 7d) */
            history?: string;
            /** @description How far ahead: 1h, 24h, … */
            horizon: string;
            /** @description Confidence of lower/upper (default 0.8) */
            level?: number;
            /** @description auto (default), seasonal-naive, holt, holt-winters, ar, seasonal-ar, ensemble */
            method?: string;
            /** @description attributes/... or features/<id>/properties/... */
            pointer: string;
            /** @description The forecast grid (default: the history spacing) */
            step?: string;
            thingId: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              /** @description The earliest instant of its series (epoch ms) */
              from: number;
              modelId: string;
              owner: string;
              runId: string;
              scenario: string | null;
              series: {
                bounds: boolean;
                level: number | null;
                pointer: string;
                points: number;
                thingId: string;
              }[];
              /** @description The latest instant of its series (epoch ms) */
              to: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/forks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The requester's forks (an administrator's: all), known to this node until it restarts */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': ({
              at?: string;
              created?: string;
              filter?: string;
              namespace?: string;
              owner?: string;
              relations?: number;
              skipped?: {
                [key: string]: unknown;
              }[];
              twins?: {
                of?: string;
                revision?: number;
                thingId?: string;
              }[];
            } & {
              [key: string]: unknown;
            })[];
          };
        };
      };
    };
    put?: never;
    /** Fork twins as they were at an instant into a scenario namespace (201; the copies are then changed through the normal API) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      /** @description Copies the twins `filter` selects, as they were at `at`, with the relations among them, into `into` as `<into>:<name>` */
      requestBody: {
        content: {
          'application/json': {
            /** @description The instant copied: ISO 8601 or epoch ms (default: now) */
            at?: string | number;
            /** @description RQL selecting the source twins */
            filter: string;
            /** @description The scenario namespace (empty, not a source namespace) */
            into: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              at?: string;
              created?: string;
              filter?: string;
              namespace?: string;
              owner?: string;
              relations?: number;
              skipped?: {
                [key: string]: unknown;
              }[];
              twins?: {
                of?: string;
                revision?: number;
                thingId?: string;
              }[];
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/forks/{namespace}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One fork */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The scenario namespace */
          namespace: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              at?: string;
              created?: string;
              filter?: string;
              namespace?: string;
              owner?: string;
              relations?: number;
              skipped?: {
                [key: string]: unknown;
              }[];
              twins?: {
                of?: string;
                revision?: number;
                thingId?: string;
              }[];
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete the whole scenario namespace of a fork: every twin in it and the policies made for them (204; 200 naming what the requester may not delete) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The scenario namespace */
          namespace: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              [key: string]: unknown;
            };
          };
        };
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/ingest/{specId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Ingest one JSON document, a JSON array of them, or NDJSON; answers once the accepted observations are durable */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          specId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/ingest/deadletters': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Dead letters, oldest first, paged (cursor) */
    get: {
      parameters: {
        query?: {
          /** @description The cursor of the previous page */
          cursor?: string;
          limit?: number;
          /** @description Only dead letters with this reason, e.g. thing.notfound */
          reason?: string;
          /** @description Received at or after (ISO-8601) */
          since?: string;
          /** @description Only dead letters of this spec */
          spec?: string;
          /** @description Received before (ISO-8601) */
          until?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Pass as cursor for the next page */
              cursor?: string;
              items: {
                attempts: number;
                detail: string;
                /** @enum {string} */
                encoding: 'utf8' | 'base64';
                headers: {
                  [key: string]: string;
                };
                id: string;
                payload: string;
                reason: string;
                /** Format: date-time */
                received: string;
                spec: string | null;
                topic: string | null;
                transport: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Purge the dead letters the filter selects */
    delete: {
      parameters: {
        query?: {
          /** @description Only dead letters with this reason, e.g. thing.notfound */
          reason?: string;
          /** @description Received at or after (ISO-8601) */
          since?: string;
          /** @description Only dead letters of this spec */
          spec?: string;
          /** @description Received before (ISO-8601) */
          until?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              purged: number;
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/ingest/deadletters/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One dead letter */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              attempts: number;
              detail: string;
              /** @enum {string} */
              encoding: 'utf8' | 'base64';
              headers: {
                [key: string]: string;
              };
              id: string;
              payload: string;
              reason: string;
              /** Format: date-time */
              received: string;
              spec: string | null;
              topic: string | null;
              transport: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete one dead letter */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/ingest/deadletters/{id}/redrive': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send one dead letter through its spec again */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description The new dead letters of those that failed again */
              deadLetters: string[];
              failed: number;
              redriven: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/ingest/deadletters/redrive': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send the dead letters the filter selects through their specs again */
    post: {
      parameters: {
        query?: {
          /** @description Only dead letters with this reason, e.g. thing.notfound */
          reason?: string;
          /** @description Received at or after (ISO-8601) */
          since?: string;
          /** @description Only dead letters of this spec */
          spec?: string;
          /** @description Received before (ISO-8601) */
          until?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description The new dead letters of those that failed again */
              deadLetters: string[];
              failed: number;
              redriven: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/ingest/specs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The ingest specs the requester may manage */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              /** Format: date-time */
              modified: string;
              owner: string;
              revision: number;
              spec: {
                [key: string]: unknown;
              };
              specId: string;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/ingest/specs/{specId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One ingest spec */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          specId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              /** Format: date-time */
              modified: string;
              owner: string;
              revision: number;
              spec: {
                [key: string]: unknown;
              };
              specId: string;
            };
          };
        };
      };
    };
    /** Create or replace an ingest spec (validated; effective for the next message) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          specId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            create?: {
              [key: string]: unknown;
            };
            /** @description http, mqtt, nats or amqp */
            source?: {
              [key: string]: unknown;
            };
            /** @description A template, e.g. org.acme:{{$.id}} */
            thingId: string;
            /** @description Property path → JSONata expression */
            values?: {
              [key: string]: string;
            };
          } & {
            [key: string]: unknown;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              /** Format: date-time */
              modified: string;
              owner: string;
              revision: number;
              spec: {
                [key: string]: unknown;
              };
              specId: string;
            };
          };
        };
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete an ingest spec */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          specId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/ingest/specs/{specId}/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** The observations a sample message would give, or its errors; changes nothing */
    post: {
      parameters: {
        query?: {
          /** @description MQTT topic or NATS subject */
          topic?: string;
        };
        header?: never;
        path: {
          specId: string;
        };
        cookie?: never;
      };
      /** @description A sample message: JSON, a JSON array or NDJSON */
      requestBody: {
        content: {
          'application/json': unknown;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json':
              | {
                  errors?: {
                    at?: string;
                    detail: string;
                    reason: string;
                  }[];
                  observations?: {
                    thingId: string;
                    /** @description Epoch ms */
                    timestamp: number;
                    values: unknown[][];
                  }[];
                  ok: boolean;
                }
              | {
                  errors?: {
                    at?: string;
                    detail: string;
                    reason: string;
                  }[];
                  observations?: {
                    thingId: string;
                    /** @description Epoch ms */
                    timestamp: number;
                    values: unknown[][];
                  }[];
                  ok: boolean;
                }[];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/migrations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The requester's bulk migrations, newest first (the last 100, kept across restarts) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': ({
              dryRun?: boolean;
              migrationId?: string;
              progress?: {
                done?: number;
                failed?: number;
                fraction?: number;
                succeeded?: number;
                twins?: number;
              };
              results?: {
                [key: string]: unknown;
              }[];
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed';
            } & {
              [key: string]: unknown;
            })[];
          };
        };
      };
    };
    put?: never;
    /** Migrate every twin an RQL filter selects to another type version (202; follow its Location for progress and per-twin results) */
    post: {
      parameters: {
        query?: {
          /** @description true: compute and validate the migration, change nothing (also a header) */
          'dry-run'?: 'true' | 'false';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      /** @description Migrates every twin the filter selects, as migrateDefinition would each */
      requestBody: {
        content: {
          'application/json': {
            /** @description RQL selecting the twins */
            filter: string;
            /** @description Sets what the thing lacks to the new type's schema defaults */
            initializeMissingPropertiesFromDefaults?: boolean;
            /** @description A merge patch of attributes and features; strings may be {{ thing-json:/pointer }} placeholders */
            migrationPayload?: Record<string, never>;
            /** @description "thing:/<pointer>": RQL; a part whose condition fails is left out of the patch */
            patchConditions?: {
              [key: string]: string;
            };
            /** @description The type moved to: 'ns:name:version', or its URL …/api/2/types/ns:name:version */
            thingDefinitionUrl: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              dryRun?: boolean;
              migrationId?: string;
              progress?: {
                done?: number;
                failed?: number;
                fraction?: number;
                succeeded?: number;
                twins?: number;
              };
              results?: {
                [key: string]: unknown;
              }[];
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed';
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/migrations/{migrationId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A bulk migration: state, progress and the result of each twin so far */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          migrationId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              dryRun?: boolean;
              migrationId?: string;
              progress?: {
                done?: number;
                failed?: number;
                fraction?: number;
                succeeded?: number;
                twins?: number;
              };
              results?: {
                [key: string]: unknown;
              }[];
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed';
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/models': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every model (any authenticated identity may read them) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              description?: string;
              /** @enum {string} */
              kind: 'forecast' | 'simulation' | 'external';
              modelId: string;
              /** Format: date-time */
              modified: string;
              /** @description The identity that created it */
              owner: string;
              /** @description Free for 'external' and 'simulation' models; for 'forecast': horizonMs (required), stepMs, method, level, historyMs */
              parameters: {
                [key: string]: unknown;
              };
              revision: number;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/models/{modelId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One model */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          modelId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              description?: string;
              /** @enum {string} */
              kind: 'forecast' | 'simulation' | 'external';
              modelId: string;
              /** Format: date-time */
              modified: string;
              /** @description The identity that created it */
              owner: string;
              /** @description Free for 'external' and 'simulation' models; for 'forecast': horizonMs (required), stepMs, method, level, historyMs */
              parameters: {
                [key: string]: unknown;
              };
              revision: number;
            };
          };
        };
      };
    };
    /** Create (201) or replace (204) a model; replacing needs its creator or an administrator */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          modelId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            description?: string;
            /** @enum {string} */
            kind: 'forecast' | 'simulation' | 'external';
            /** @description Free for 'external' and 'simulation' models; for 'forecast': horizonMs (required), stepMs, method, level, historyMs */
            parameters?: {
              [key: string]: unknown;
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              description?: string;
              /** @enum {string} */
              kind: 'forecast' | 'simulation' | 'external';
              modelId: string;
              /** Format: date-time */
              modified: string;
              /** @description The identity that created it */
              owner: string;
              /** @description Free for 'external' and 'simulation' models; for 'forecast': horizonMs (required), stepMs, method, level, historyMs */
              parameters: {
                [key: string]: unknown;
              };
              revision: number;
            };
          };
        };
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete a model with all its runs */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          modelId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/models/{modelId}/runs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The runs of a model, oldest first */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          modelId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              /** @description The earliest instant of its series (epoch ms) */
              from: number;
              modelId: string;
              owner: string;
              runId: string;
              scenario: string | null;
              series: {
                bounds: boolean;
                level: number | null;
                pointer: string;
                points: number;
                thingId: string;
              }[];
              /** @description The latest instant of its series (epoch ms) */
              to: number;
            }[];
          };
        };
      };
    };
    put?: never;
    /** Run a model or register its run: an 'external' model's run is the body's series; a 'forecast' model's run is forecast for the body's twin properties */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          modelId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description The id of the scenario the run is made under */
            scenario?: string;
            series: {
              level?: number;
              lower?: number[];
              mean?: number[];
              /** @description attributes/... or features/<id>/properties/... (a leading '/' is allowed) */
              pointer: string;
              /** @description Epoch ms, strictly increasing */
              t?: number[];
              thingId: string;
              upper?: number[];
            }[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              /** @description The earliest instant of its series (epoch ms) */
              from: number;
              modelId: string;
              owner: string;
              runId: string;
              scenario: string | null;
              series: {
                bounds: boolean;
                level: number | null;
                pointer: string;
                points: number;
                thingId: string;
              }[];
              /** @description The latest instant of its series (epoch ms) */
              to: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve a policy */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              entries: {
                [key: string]: {
                  /** @enum {string} */
                  importable?: 'implicit' | 'explicit' | 'never';
                  resources: {
                    [key: string]: {
                      grant: string[];
                      revoke: string[];
                    };
                  };
                  subjects: {
                    [key: string]: {
                      /** Format: date-time */
                      expiry?: string;
                      type?: string;
                    };
                  };
                };
              };
              imports?: {
                [key: string]: unknown;
              };
              policyId?: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    /** Create or replace a policy */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            entries: {
              [key: string]: {
                /** @enum {string} */
                importable?: 'implicit' | 'explicit' | 'never';
                resources: {
                  [key: string]: {
                    grant: string[];
                    revoke: string[];
                  };
                };
                subjects: {
                  [key: string]: {
                    /** Format: date-time */
                    expiry?: string;
                    type?: string;
                  };
                };
              };
            };
            imports?: {
              [key: string]: unknown;
            };
            policyId?: string;
          } & {
            [key: string]: unknown;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              entries: {
                [key: string]: {
                  /** @enum {string} */
                  importable?: 'implicit' | 'explicit' | 'never';
                  resources: {
                    [key: string]: {
                      grant: string[];
                      revoke: string[];
                    };
                  };
                  subjects: {
                    [key: string]: {
                      /** Format: date-time */
                      expiry?: string;
                      type?: string;
                    };
                  };
                };
              };
              imports?: {
                [key: string]: unknown;
              };
              policyId?: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete a policy */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/actions/activateTokenIntegration': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** activateTokenIntegration (refused: Twinfold has no connections that act as integration subjects) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/actions/deactivateTokenIntegration': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** deactivateTokenIntegration (refused: Twinfold has no connections that act as integration subjects) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve all entries */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace all entries */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve one entry */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace one entry */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete one entry */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/actions/activateTokenIntegration': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** activateTokenIntegration (refused: Twinfold has no connections that act as integration subjects) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/actions/deactivateTokenIntegration': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** deactivateTokenIntegration (refused: Twinfold has no connections that act as integration subjects) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/allowedAdditions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve what entries referencing this one may add: ["subjects", "resources", "namespaces"] */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace what entries referencing this one may add: ["subjects", "resources", "namespaces"] */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete what entries referencing this one may add: ["subjects", "resources", "namespaces"] */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/importable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve whether other policies import an entry: "implicit", "explicit" or "never" */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace whether other policies import an entry: "implicit", "explicit" or "never" */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/namespaces': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the namespace patterns an entry is restricted to, e.g. ["com.acme", "com.acme.*"] */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace the namespace patterns an entry is restricted to, e.g. ["com.acme", "com.acme.*"] */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/references': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the entries an entry takes subjects, resources and namespaces from */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace the entries an entry takes subjects, resources and namespaces from */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete the entries an entry takes subjects, resources and namespaces from */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/resources': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve an entry's resources */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace an entry's resources */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/resources/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve one resource, e.g. thing:/features/lamp */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          '*': string;
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace one resource, e.g. thing:/features/lamp */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          '*': string;
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete one resource, e.g. thing:/features/lamp */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          '*': string;
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/subjects': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve an entry's subjects */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace an entry's subjects */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/entries/{label}/subjects/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve one subject */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          '*': string;
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace one subject */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          '*': string;
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete one subject */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          '*': string;
          label: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/imports': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the imports of a policy: {"<policyId>": {"entries": ["label"]}} */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace the imports of a policy: {"<policyId>": {"entries": ["label"]}} */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete the imports of a policy: {"<policyId>": {"entries": ["label"]}} */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/imports/{importedPolicyId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve one import of a policy */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          importedPolicyId: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace one import of a policy */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          importedPolicyId: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete one import of a policy */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          importedPolicyId: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/imports/{importedPolicyId}/entries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the explicit entries one import takes */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          importedPolicyId: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace the explicit entries one import takes */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          importedPolicyId: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/policies/{policyId}/imports/{importedPolicyId}/transitiveImports': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the imported policy's own imports one import resolves too */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          importedPolicyId: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace the imported policy's own imports one import resolves too */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          importedPolicyId: string;
          policyId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/replays': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The requester's replays, newest first (the last 100, kept across restarts) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': ({
              progress?: {
                events?: number | null;
                eventsDone?: number;
                fraction?: number;
                twins?: number;
              };
              replayId?: string;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed';
            } & {
              [key: string]: unknown;
            })[];
          };
        };
      };
    };
    put?: never;
    /** Start a replay of a type over the journal (202; follow its Location) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      /** @description Re-runs a type version over the journaled inputs of the twins `filter` selects, for events committed in [from, to); `into` writes the replayed twins into a scenario namespace */
      requestBody: {
        content: {
          'application/json': {
            /** @description RQL selecting the twins (default: every readable one) */
            filter?: string;
            /** @description ISO 8601 or epoch ms (default: the start) */
            from?: string | number;
            /** @description A scenario namespace, not one of the replayed twins */
            into?: string;
            /** @description ISO 8601 or epoch ms (default: now) */
            to?: string | number;
            /** @description The type replayed, 'namespace:name:version' */
            type: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              progress?: {
                events?: number | null;
                eventsDone?: number;
                fraction?: number;
                twins?: number;
              };
              replayId?: string;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed';
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/replays/{replayId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A replay: state and progress, then the comparison with what happened live */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          replayId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              progress?: {
                events?: number | null;
                eventsDone?: number;
                fraction?: number;
                twins?: number;
              };
              replayId?: string;
              /** @enum {string} */
              state?: 'running' | 'succeeded' | 'failed';
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/runs/{runId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One run, with the series the requester may read */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          runId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              /** @description The earliest instant of its series (epoch ms) */
              from: number;
              modelId: string;
              owner: string;
              runId: string;
              scenario: string | null;
              series: {
                bounds: boolean;
                level: number | null;
                pointer: string;
                points: number;
                thingId: string;
              }[];
              /** @description The latest instant of its series (epoch ms) */
              to: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a run (its maker, its model's creator or an administrator) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          runId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/runs/{runId}/compare': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Each readable series of the run against the actual series over its range: MAE, RMSE, MAPE, MASE, interval coverage and the aligned columns */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          runId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              modelId: string;
              runId: string;
              scenario: string | null;
              series: {
                aligned: {
                  actual: (number | null)[];
                  lower?: number[];
                  mean: number[];
                  /** @description Epoch ms, strictly increasing */
                  t: number[];
                  upper?: number[];
                };
                /** @description Share of matched instants with lower <= actual <= upper; null without bounds */
                coverage: number | null;
                level: number | null;
                mae: number | null;
                /** @description Percent; instants whose actual value is 0 are skipped */
                mape: number | null;
                /** @description Matched instants skipped by MAPE (actual 0) */
                mapeSkipped: number;
                /** @description MAE over the MAE of the one-step naive forecast of the aligned actual values */
                mase: number | null;
                /** @description Run instants with an actual value: the actual point at that instant, else the linear interpolation between the nearest actual points before and after it */
                matched: number;
                pointer: string;
                rmse: number | null;
                thingId: string;
                /** @description Run instants with no actual point on one side; left out of every metric */
                unmatched: number;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/runs/{runId}/series': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One predicted series of a run (needs READ on the twin's property) */
    get: {
      parameters: {
        query: {
          /** @description Aggregations of the mean per bucket (default avg) */
          agg?: string;
          /** @description Empty buckets: null (default), previous, linear, none */
          fill?: string;
          /** @description Only instants at or after (ISO-8601, epoch ms, now-1d) */
          from?: string;
          /** @description e.g. features/power/properties/watts */
          pointer: string;
          /** @description Buckets of the mean, as in a series read */
          step?: string;
          /** @description The twin (needed only when the run has that pointer of several twins) */
          thingId?: string;
          /** @description Only instants at or before */
          to?: string;
        };
        header?: never;
        path: {
          runId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              level?: number;
              lower?: number[];
              mean: number[];
              pointer: string;
              runId: string;
              /** @description Epoch ms, strictly increasing */
              t: number[];
              thingId: string;
              upper?: number[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/scenarios': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every scenario (named sets of parameters) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              description?: string;
              /** Format: date-time */
              modified: string;
              owner: string;
              parameters: {
                [key: string]: unknown;
              };
              revision: number;
              scenarioId: string;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/scenarios/{scenarioId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One scenario */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          scenarioId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              description?: string;
              /** Format: date-time */
              modified: string;
              owner: string;
              parameters: {
                [key: string]: unknown;
              };
              revision: number;
              scenarioId: string;
            };
          };
        };
      };
    };
    /** Create (201) or replace (204) a scenario; replacing needs its creator or an administrator */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          scenarioId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            description?: string;
            parameters: {
              [key: string]: unknown;
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              description?: string;
              /** Format: date-time */
              modified: string;
              owner: string;
              parameters: {
                [key: string]: unknown;
              };
              revision: number;
              scenarioId: string;
            };
          };
        };
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete a scenario (409 while runs use it) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          scenarioId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/search/things': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Search things */
    get: {
      parameters: {
        query?: {
          /** @description Field selector for the returned things */
          fields?: string;
          /** @description RQL filter, e.g. and(eq(attributes/type,"pump"),gt(features/temp/properties/value,40)) */
          filter?: unknown;
          /** @description Comma-separated namespaces */
          namespaces?: string;
          /** @description sort(+path,-path),size(1..200),cursor(token); or limit(offset,count) (deprecated) */
          option?: unknown;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Pass as option=cursor(…) for the next page */
              cursor?: string;
              items: ({
                /** Format: date-time */
                _created?: string;
                /** Format: date-time */
                _modified?: string;
                _revision?: number;
                attributes?: {
                  [key: string]: unknown;
                };
                definition?: string;
                features?: {
                  [key: string]: {
                    definition?: string[];
                    desiredProperties?: {
                      [key: string]: unknown;
                    };
                    properties?: {
                      [key: string]: unknown;
                    };
                  };
                };
                policyId?: string;
                /** @description namespace:name */
                thingId?: string;
              } & {
                [key: string]: unknown;
              })[];
              /** @description After paging with option=limit(offset,count) */
              nextPageOffset?: number;
            };
          };
        };
      };
    };
    put?: never;
    /** Search things (form-urlencoded body) */
    post: {
      parameters: {
        query?: {
          /** @description Field selector for the returned things */
          fields?: string;
          /** @description RQL filter, e.g. and(eq(attributes/type,"pump"),gt(features/temp/properties/value,40)) */
          filter?: unknown;
          /** @description Comma-separated namespaces */
          namespaces?: string;
          /** @description sort(+path,-path),size(1..200),cursor(token); or limit(offset,count) (deprecated) */
          option?: unknown;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Pass as option=cursor(…) for the next page */
              cursor?: string;
              items: ({
                /** Format: date-time */
                _created?: string;
                /** Format: date-time */
                _modified?: string;
                _revision?: number;
                attributes?: {
                  [key: string]: unknown;
                };
                definition?: string;
                features?: {
                  [key: string]: {
                    definition?: string[];
                    desiredProperties?: {
                      [key: string]: unknown;
                    };
                    properties?: {
                      [key: string]: unknown;
                    };
                  };
                };
                policyId?: string;
                /** @description namespace:name */
                thingId?: string;
              } & {
                [key: string]: unknown;
              })[];
              /** @description After paging with option=limit(offset,count) */
              nextPageOffset?: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/search/things/count': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Count things */
    get: {
      parameters: {
        query?: {
          /** @description Field selector for the returned things */
          fields?: string;
          /** @description RQL filter, e.g. and(eq(attributes/type,"pump"),gt(features/temp/properties/value,40)) */
          filter?: unknown;
          /** @description Comma-separated namespaces */
          namespaces?: string;
          /** @description sort(+path,-path),size(1..200),cursor(token); or limit(offset,count) (deprecated) */
          option?: unknown;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': number;
          };
        };
      };
    };
    put?: never;
    /** Count things (form-urlencoded body) */
    post: {
      parameters: {
        query?: {
          /** @description Field selector for the returned things */
          fields?: string;
          /** @description RQL filter, e.g. and(eq(attributes/type,"pump"),gt(features/temp/properties/value,40)) */
          filter?: unknown;
          /** @description Comma-separated namespaces */
          namespaces?: string;
          /** @description sort(+path,-path),size(1..200),cursor(token); or limit(offset,count) (deprecated) */
          option?: unknown;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': number;
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/services': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The scheduled services the requester may manage, in id order */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              body?: Record<string, never>;
              /** Format: date-time */
              created: string;
              description?: string;
              filter?: string;
              headers?: {
                [key: string]: string;
              };
              horizonMs?: number;
              /** @enum {string} */
              kind: 'http' | 'pull' | 'forecast';
              method?: string;
              /** Format: date-time */
              modified: string;
              /**
               * Format: date-time
               * @description The next scheduled instant
               */
              nextRun: string | null;
              owner: string;
              parameters: Record<string, never>;
              pointer?: string;
              retries: number;
              retryDelayMs: number;
              revision: number;
              /** @description A cron string (five fields, or six with seconds first; UTC unless `timezone`) or {"every": "5m"}; absent: on demand only */
              schedule?:
                | string
                | {
                    every: string;
                  };
              serviceId: string;
              specId?: string;
              stepMs?: number;
              timeoutMs: number;
              timezone?: string;
              url?: string;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/services/{serviceId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One service, with its next scheduled run */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          serviceId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              body?: Record<string, never>;
              /** Format: date-time */
              created: string;
              description?: string;
              filter?: string;
              headers?: {
                [key: string]: string;
              };
              horizonMs?: number;
              /** @enum {string} */
              kind: 'http' | 'pull' | 'forecast';
              method?: string;
              /** Format: date-time */
              modified: string;
              /**
               * Format: date-time
               * @description The next scheduled instant
               */
              nextRun: string | null;
              owner: string;
              parameters: Record<string, never>;
              pointer?: string;
              retries: number;
              retryDelayMs: number;
              revision: number;
              /** @description A cron string (five fields, or six with seconds first; UTC unless `timezone`) or {"every": "5m"}; absent: on demand only */
              schedule?:
                | string
                | {
                    every: string;
                  };
              serviceId: string;
              specId?: string;
              stepMs?: number;
              timeoutMs: number;
              timezone?: string;
              url?: string;
            };
          };
        };
      };
    };
    /** Create or replace a service (it runs with the creator's rights; a replacement starts its schedule afresh) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          serviceId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description http: merged into the JSON body sent */
            body?: Record<string, never>;
            description?: string;
            /** @description forecast: RQL selecting the twins */
            filter?: string;
            headers?: {
              [key: string]: string;
            };
            /** @description forecast: how far ahead, e.g. "1d" */
            horizon?: string;
            /** @enum {string} */
            kind: 'http' | 'pull' | 'forecast';
            /** @description http: POST or PUT; forecast: the method */
            method?: string;
            /** @description Passed to every run */
            parameters?: Record<string, never>;
            /** @description forecast: the property, e.g. /features/t/properties/v */
            pointer?: string;
            /** @description Default 0 */
            retries?: number;
            /** @description Before the first retry, doubling after (default 1s) */
            retryDelay?: string;
            retryDelayMs?: number;
            /** @description A cron string (five fields, or six with seconds first; UTC unless `timezone`) or {"every": "5m"}; absent: on demand only */
            schedule?:
              | string
              | {
                  every: string;
                };
            /** @description pull: an ingest spec with an http source */
            specId?: string;
            /** @description forecast: between points, e.g. "15m" */
            step?: string;
            /** @description Per attempt, e.g. "30s" (or timeoutMs) */
            timeout?: string;
            timeoutMs?: number;
            /** @description IANA time zone of a cron schedule */
            timezone?: string;
            /**
             * Format: uri
             * @description http and pull: an http(s) URL
             */
            url?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              body?: Record<string, never>;
              /** Format: date-time */
              created: string;
              description?: string;
              filter?: string;
              headers?: {
                [key: string]: string;
              };
              horizonMs?: number;
              /** @enum {string} */
              kind: 'http' | 'pull' | 'forecast';
              method?: string;
              /** Format: date-time */
              modified: string;
              /**
               * Format: date-time
               * @description The next scheduled instant
               */
              nextRun: string | null;
              owner: string;
              parameters: Record<string, never>;
              pointer?: string;
              retries: number;
              retryDelayMs: number;
              revision: number;
              /** @description A cron string (five fields, or six with seconds first; UTC unless `timezone`) or {"every": "5m"}; absent: on demand only */
              schedule?:
                | string
                | {
                    every: string;
                  };
              serviceId: string;
              specId?: string;
              stepMs?: number;
              timeoutMs: number;
              timezone?: string;
              url?: string;
            };
          };
        };
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete a service and its run log */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          serviceId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/services/{serviceId}/run': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Run a service now (202 with the run, which goes on in the background; 409 while it is running already) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          serviceId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Overlaid on the service's parameters */
            parameters?: Record<string, never>;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              attempt: number;
              durationMs: number | null;
              error: string | null;
              /** Format: date-time */
              finished: string | null;
              /** @description What the job answered */
              output: unknown;
              runId: string;
              /** Format: date-time */
              scheduledFor: string;
              serviceId: string;
              /** Format: date-time */
              started: string | null;
              /** @enum {string} */
              status: 'queued' | 'running' | 'succeeded' | 'failed' | 'timedout';
              /** @enum {string} */
              trigger: 'schedule' | 'demand';
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/services/{serviceId}/runs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The run log of a service, newest first, paged */
    get: {
      parameters: {
        query?: {
          /** @description The cursor of the previous page */
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path: {
          serviceId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Pass as `cursor` for the next (older) page */
              cursor?: string;
              items: {
                attempt: number;
                durationMs: number | null;
                error: string | null;
                /** Format: date-time */
                finished: string | null;
                /** @description What the job answered */
                output: unknown;
                runId: string;
                /** Format: date-time */
                scheduledFor: string;
                serviceId: string;
                /** Format: date-time */
                started: string | null;
                /** @enum {string} */
                status: 'queued' | 'running' | 'succeeded' | 'failed' | 'timedout';
                /** @enum {string} */
                trigger: 'schedule' | 'demand';
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/services/{serviceId}/runs/{runId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One run of a service */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          runId: string;
          serviceId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              attempt: number;
              durationMs: number | null;
              error: string | null;
              /** Format: date-time */
              finished: string | null;
              /** @description What the job answered */
              output: unknown;
              runId: string;
              /** Format: date-time */
              scheduledFor: string;
              serviceId: string;
              /** Format: date-time */
              started: string | null;
              /** @enum {string} */
              status: 'queued' | 'running' | 'succeeded' | 'failed' | 'timedout';
              /** @enum {string} */
              trigger: 'schedule' | 'demand';
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/things': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve things by id (ids=a,b) or list things (option=size(n),cursor(c)) */
    get: {
      parameters: {
        query?: {
          fields?: string;
          ids?: string;
          /** @description Comma-separated namespaces the listing is limited to (not with ids) */
          namespaces?: string;
          /** @description sort(+path,-path),size(n),cursor(c) */
          option?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': ({
              /** Format: date-time */
              _created?: string;
              /** Format: date-time */
              _modified?: string;
              _revision?: number;
              attributes?: {
                [key: string]: unknown;
              };
              definition?: string;
              features?: {
                [key: string]: {
                  definition?: string[];
                  desiredProperties?: {
                    [key: string]: unknown;
                  };
                  properties?: {
                    [key: string]: unknown;
                  };
                };
              };
              policyId?: string;
              /** @description namespace:name */
              thingId?: string;
            } & {
              [key: string]: unknown;
            })[];
          };
        };
      };
    };
    put?: never;
    /** Create a thing with a generated id <namespace>:<uuid> */
    post: {
      parameters: {
        query?: {
          namespace?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: date-time */
            _created?: string;
            /** Format: date-time */
            _modified?: string;
            _revision?: number;
            attributes?: {
              [key: string]: unknown;
            };
            definition?: string;
            features?: {
              [key: string]: {
                definition?: string[];
                desiredProperties?: {
                  [key: string]: unknown;
                };
                properties?: {
                  [key: string]: unknown;
                };
              };
            };
            policyId?: string;
            /** @description namespace:name */
            thingId?: string;
          } & {
            [key: string]: unknown;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              _created?: string;
              /** Format: date-time */
              _modified?: string;
              _revision?: number;
              attributes?: {
                [key: string]: unknown;
              };
              definition?: string;
              features?: {
                [key: string]: {
                  definition?: string[];
                  desiredProperties?: {
                    [key: string]: unknown;
                  };
                  properties?: {
                    [key: string]: unknown;
                  };
                };
              };
              policyId?: string;
              /** @description namespace:name */
              thingId?: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/things/{thingId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the thing */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              _created?: string;
              /** Format: date-time */
              _modified?: string;
              _revision?: number;
              attributes?: {
                [key: string]: unknown;
              };
              definition?: string;
              features?: {
                [key: string]: {
                  definition?: string[];
                  desiredProperties?: {
                    [key: string]: unknown;
                  };
                  properties?: {
                    [key: string]: unknown;
                  };
                };
              };
              policyId?: string;
              /** @description namespace:name */
              thingId?: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    /** Create or replace the thing */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: date-time */
            _created?: string;
            /** Format: date-time */
            _modified?: string;
            _revision?: number;
            attributes?: {
              [key: string]: unknown;
            };
            definition?: string;
            features?: {
              [key: string]: {
                definition?: string[];
                desiredProperties?: {
                  [key: string]: unknown;
                };
                properties?: {
                  [key: string]: unknown;
                };
              };
            };
            policyId?: string;
            /** @description namespace:name */
            thingId?: string;
          } & {
            [key: string]: unknown;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              _created?: string;
              /** Format: date-time */
              _modified?: string;
              _revision?: number;
              attributes?: {
                [key: string]: unknown;
              };
              definition?: string;
              features?: {
                [key: string]: {
                  definition?: string[];
                  desiredProperties?: {
                    [key: string]: unknown;
                  };
                  properties?: {
                    [key: string]: unknown;
                  };
                };
              };
              policyId?: string;
              /** @description namespace:name */
              thingId?: string;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete the thing */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch the thing */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: date-time */
            _created?: string;
            /** Format: date-time */
            _modified?: string;
            _revision?: number;
            attributes?: {
              [key: string]: unknown;
            };
            definition?: string;
            features?: {
              [key: string]: {
                definition?: string[];
                desiredProperties?: {
                  [key: string]: unknown;
                };
                properties?: {
                  [key: string]: unknown;
                };
              };
            };
            policyId?: string;
            /** @description namespace:name */
            thingId?: string;
          } & {
            [key: string]: unknown;
          };
        };
      };
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/attributes': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve all attributes */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace all attributes */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete all attributes */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch all attributes */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/attributes/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve one attribute (a JSON pointer) */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace one attribute (a JSON pointer) */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete one attribute (a JSON pointer) */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch one attribute (a JSON pointer) */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/definition': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the thing definition */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace the thing definition */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete the thing definition */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch the thing definition */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/features': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve all features */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace all features */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete all features */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch all features */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/features/{featureId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve one feature */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace one feature */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete one feature */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch one feature */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/features/{featureId}/definition': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve a feature definition */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace a feature definition */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete a feature definition */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch a feature definition */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/features/{featureId}/desiredProperties': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the desired properties of a feature */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace the desired properties of a feature */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete the desired properties of a feature */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch the desired properties of a feature */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/features/{featureId}/desiredProperties/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve one desired property (a JSON pointer) */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace one desired property (a JSON pointer) */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete one desired property (a JSON pointer) */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch one desired property (a JSON pointer) */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/features/{featureId}/inbox/messages/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send a message TO a feature */
    post: {
      parameters: {
        query?: {
          condition?: string;
        };
        header?: never;
        path: {
          '*': string;
          featureId: string;
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/things/{thingId}/features/{featureId}/outbox/messages/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send a message FROM a feature */
    post: {
      parameters: {
        query?: {
          condition?: string;
        };
        header?: never;
        path: {
          '*': string;
          featureId: string;
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/things/{thingId}/features/{featureId}/properties': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the properties of a feature */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace the properties of a feature */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete the properties of a feature */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch the properties of a feature */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/features/{featureId}/properties/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve one feature property (a JSON pointer) */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace one feature property (a JSON pointer) */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete one feature property (a JSON pointer) */
    delete: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Merge-patch one feature property (a JSON pointer) */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description JSON pointer inside the object */
          '*': string;
          featureId: string;
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/history': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A thing's events (Ditto Protocol) by revision or time range, oldest first */
    get: {
      parameters: {
        query?: {
          'from-revision'?: number;
          /** @description ISO-8601 */
          'from-timestamp'?: string;
          limit?: number;
          'to-revision'?: number;
          /** @description ISO-8601 */
          'to-timestamp'?: string;
        };
        header?: never;
        path: {
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              headers?: {
                [key: string]: string;
              };
              path: string;
              revision: number;
              /** Format: date-time */
              timestamp?: string;
              /** @description e.g. org.acme/sensor-1/things/twin/events/modified */
              topic: string;
              value?: unknown;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/things/{thingId}/inbox/messages/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send a message TO a thing */
    post: {
      parameters: {
        query?: {
          condition?: string;
        };
        header?: never;
        path: {
          '*': string;
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/things/{thingId}/migrateDefinition': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Move a thing to another version of a type (Ditto's migrateDefinition): 200 APPLIED, or 202 DRY_RUN with dry-run */
    post: {
      parameters: {
        query?: {
          /** @description true: compute and validate the migration, change nothing (also a header) */
          'dry-run'?: 'true' | 'false';
        };
        header?: never;
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      /** @description Ditto's MigrateThingDefinition */
      requestBody: {
        content: {
          'application/json': {
            /** @description Sets what the thing lacks to the new type's schema defaults */
            initializeMissingPropertiesFromDefaults?: boolean;
            /** @description A merge patch of attributes and features; strings may be {{ thing-json:/pointer }} placeholders */
            migrationPayload?: Record<string, never>;
            /** @description "thing:/<pointer>": RQL; a part whose condition fails is left out of the patch */
            patchConditions?: {
              [key: string]: string;
            };
            /** @description The type moved to: 'ns:name:version', or its URL …/api/2/types/ns:name:version */
            thingDefinitionUrl: string;
          };
        };
      };
      responses: {
        /** @description Ditto's MigrateThingDefinitionResponse */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              mergeStatus: 'APPLIED' | 'DRY_RUN';
              patch: {
                [key: string]: unknown;
              };
              thingId: string;
            };
          };
        };
        /** @description Ditto's MigrateThingDefinitionResponse */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              mergeStatus: 'APPLIED' | 'DRY_RUN';
              patch: {
                [key: string]: unknown;
              };
              thingId: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/things/{thingId}/outbox/messages/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send a message FROM a thing */
    post: {
      parameters: {
        query?: {
          condition?: string;
        };
        header?: never;
        path: {
          '*': string;
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/things/{thingId}/policyId': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Retrieve the policy id */
    get: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Create or replace the policy id */
    put: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /** Merge-patch the policy id */
    patch: {
      parameters: {
        query?: {
          condition?: string;
          /** @description Field selector, e.g. attributes/location(lat,lon) */
          fields?: string;
        };
        header?: {
          /** @description RQL the current thing must satisfy */
          condition?: string;
          /** @description Entity tags, e.g. "rev:3"; 412 when none matches */
          'if-match'?: string;
          /** @description Entity tags or *; 304 on reads, 412 on writes when one matches */
          'if-none-match'?: string;
        };
        path: {
          /** @description namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    trace?: never;
  };
  '/api/2/things/{thingId}/relations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A twin's relations: children (direction=out) or parents (in), down to depth edges (descendants, ancestors) */
    get: {
      parameters: {
        query?: {
          /** @description Edges to walk, 1 (default) to 16 */
          depth?: string;
          /** @description out (default) or in */
          direction?: string;
          /** @description Only relations of this name */
          name?: string;
        };
        header?: never;
        path: {
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              relations?: {
                cycle?: boolean;
                depth?: number;
                name?: string;
                /** @description The relation's properties (any JSON object) */
                properties?: {
                  [key: string]: unknown;
                };
                source?: string;
                target?: string;
                targetExists?: boolean;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/things/{thingId}/relations/{name}/{targetThingId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A relation's properties */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The relation's name: 1-64 of A-Z a-z 0-9 _ . - */
          name: string;
          /** @description The target twin, namespace:name */
          targetThingId: string;
          /** @description The source twin, namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The relation's properties (any JSON object) */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    /** Create or replace a relation from a twin to another (WRITE on thing:/ of both); 201 or 204 */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The relation's name: 1-64 of A-Z a-z 0-9 _ . - */
          name: string;
          /** @description The target twin, namespace:name */
          targetThingId: string;
          /** @description The source twin, namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      /** @description The relation's properties (any JSON object) */
      requestBody: {
        content: {
          'application/json': {
            [key: string]: unknown;
          };
        };
      };
      responses: {
        /** @description The relation's properties (any JSON object) */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              [key: string]: unknown;
            };
          };
        };
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete a relation (WRITE on thing:/ of both ends); 204, or 404 when there is none */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The relation's name: 1-64 of A-Z a-z 0-9 _ . - */
          name: string;
          /** @description The target twin, namespace:name */
          targetThingId: string;
          /** @description The source twin, namespace:name */
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/timeseries/query': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Several series at once: listed, or every twin an RQL filter selects at one pointer; optionally summed or averaged per bucket */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/timeseries/retention/{namespace}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A namespace's retention */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          namespace: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /** Set how long the points of a namespace are kept: raw and per tier ({"raw": "7d", "tiers": {"1m": "90d", "1h": null}}) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          namespace: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Remove a namespace's retention: its points are kept for ever again */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          namespace: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/timeseries/things/{thingId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The series of a twin: each pointer with its kind, point count and time range */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/timeseries/things/{thingId}/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One series: raw points, or buckets aligned to UTC multiples of step with the aggregations asked (JSON or CSV) */
    get: {
      parameters: {
        query?: {
          /** @description Aggregations per bucket: avg,min,max,sum,count,first,last */
          agg?: string;
          /** @description Empty buckets: null (default), previous, linear, none */
          fill?: string;
          /** @description Start: ISO-8601, epoch ms or now-7d (default: a day before to) */
          from?: string;
          /** @description A run id: its predicted series comes back as `predicted` */
          run?: string;
          /** @description Bucket width (30s, 5m, 1h, 1d); absent: raw points */
          step?: string;
          /** @description End, inclusive (default: now) */
          to?: string;
        };
        header?: never;
        path: {
          /** @description JSON pointer */
          '*': string;
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    /** Backfill: write historical points ({"t": [...], "v": [...]}, CSV t,v, or Parquet); the twin changes only when the newest is newer than its series */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description JSON pointer */
          '*': string;
          thingId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/tokens': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Your API tokens; an administrator's: every token within its scope (the bootstrap token only unscoped) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              /** Format: date-time */
              expires: string | null;
              id: string;
              name: string;
              namespaces: string[] | null;
              readOnly: boolean;
              revoked: boolean;
              subject: string;
            }[];
          };
        };
      };
    };
    put?: never;
    /** Create an API token; the token is shown once */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description ISO-8601 expiry */
            expires?: string;
            name: string;
            namespaces?: string[];
            readOnly?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              /** Format: date-time */
              expires: string | null;
              id: string;
              name: string;
              namespaces: string[] | null;
              readOnly: boolean;
              revoked: boolean;
              subject: string;
              token: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/tokens/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke an API token and every token minted by it */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/types': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The types of the namespaces the requester may see, in id order */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              document: {
                /** @description Conditions raising alerts by name: {"when", "clear"?, "for"?, "severity"?} */
                assessments?: Record<string, never>;
                /** @description CEL expressions by output pointer, e.g. {"features/power/properties/kw": "features.power.properties.watts / 1000.0"} */
                derived?: Record<string, never>;
                /** @description Roll-ups over related twins by output pointer: {"relation", "from": children|parents, "of", "op": sum|avg|min|max|count} */
                rollups?: Record<string, never>;
                /** @description JSON Schemas: `attributes`, and `features` by feature id (of its properties) */
                schema?: Record<string, never>;
                /** @description Windowed operators by output pointer: {"of", "op": avg|min|max|sum|count|rate|integral|ewma, "window"|"samples", "halfLife"?, "lateness"?} */
                windows?: Record<string, never>;
              } & {
                [key: string]: unknown;
              };
              typeId: string;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/types/{typeId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One version of a type: its document, as created */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description 'namespace:name:version' */
          typeId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Conditions raising alerts by name: {"when", "clear"?, "for"?, "severity"?} */
              assessments?: Record<string, never>;
              /** @description CEL expressions by output pointer, e.g. {"features/power/properties/kw": "features.power.properties.watts / 1000.0"} */
              derived?: Record<string, never>;
              /** @description Roll-ups over related twins by output pointer: {"relation", "from": children|parents, "of", "op": sum|avg|min|max|count} */
              rollups?: Record<string, never>;
              /** @description JSON Schemas: `attributes`, and `features` by feature id (of its properties) */
              schema?: Record<string, never>;
              /** @description Windowed operators by output pointer: {"of", "op": avg|min|max|sum|count|rate|integral|ewma, "window"|"samples", "halfLife"?, "lateness"?} */
              windows?: Record<string, never>;
            } & {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    /** Create a version of a type (201); the same content again is a 204, other content a 409: versions never change */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description 'namespace:name:version' */
          typeId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Conditions raising alerts by name: {"when", "clear"?, "for"?, "severity"?} */
            assessments?: Record<string, never>;
            /** @description CEL expressions by output pointer, e.g. {"features/power/properties/kw": "features.power.properties.watts / 1000.0"} */
            derived?: Record<string, never>;
            /** @description Roll-ups over related twins by output pointer: {"relation", "from": children|parents, "of", "op": sum|avg|min|max|count} */
            rollups?: Record<string, never>;
            /** @description JSON Schemas: `attributes`, and `features` by feature id (of its properties) */
            schema?: Record<string, never>;
            /** @description Windowed operators by output pointer: {"of", "op": avg|min|max|sum|count|rate|integral|ewma, "window"|"samples", "halfLife"?, "lateness"?} */
            windows?: Record<string, never>;
          } & {
            [key: string]: unknown;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Conditions raising alerts by name: {"when", "clear"?, "for"?, "severity"?} */
              assessments?: Record<string, never>;
              /** @description CEL expressions by output pointer, e.g. {"features/power/properties/kw": "features.power.properties.watts / 1000.0"} */
              derived?: Record<string, never>;
              /** @description Roll-ups over related twins by output pointer: {"relation", "from": children|parents, "of", "op": sum|avg|min|max|count} */
              rollups?: Record<string, never>;
              /** @description JSON Schemas: `attributes`, and `features` by feature id (of its properties) */
              schema?: Record<string, never>;
              /** @description Windowed operators by output pointer: {"of", "op": avg|min|max|sum|count|rate|integral|ewma, "window"|"samples", "halfLife"?, "lateness"?} */
              windows?: Record<string, never>;
            } & {
              [key: string]: unknown;
            };
          };
        };
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    post?: never;
    /** Delete a type no twin uses (409 while one does) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description 'namespace:name:version' */
          typeId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List users (administrators) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              disabled: boolean;
              roles: string[];
              subject: string;
              username: string;
            }[];
          };
        };
      };
    };
    put?: never;
    /** Create a user (administrators) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            password: string;
            roles?: string[];
            username: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              disabled: boolean;
              roles: string[];
              subject: string;
              username: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/users/{username}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One user (administrators, or the user) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          username: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              disabled: boolean;
              roles: string[];
              subject: string;
              username: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a user and revoke their tokens (administrators) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          username: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Disable or enable a user (administrators): {"disabled": true} */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          username: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            disabled: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              created: string;
              disabled: boolean;
              roles: string[];
              subject: string;
              username: string;
            };
          };
        };
      };
    };
    trace?: never;
  };
  '/api/2/webhooks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The webhooks the requester may manage */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Committed events not yet handed to it */
              backlog: number;
              /** Format: date-time */
              created: string;
              events: string[];
              extraFields?: string;
              filter?: string;
              id: string;
              maxAgeHours: number;
              maxAttempts: number;
              /** Format: date-time */
              modified: string;
              namespaces?: string[];
              owner: string;
              paused: boolean;
              /** @description The last event seq handed to the webhook */
              position: number;
              revision: number;
              signed: boolean;
              url: string;
            }[];
          };
        };
      };
    };
    put?: never;
    /** Create a webhook: every event committed from now on that it selects is POSTed to its url */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            events?: string[];
            extraFields?: string;
            /** @description RQL the changed thing must match */
            filter?: string;
            maxAgeHours?: number;
            maxAttempts?: number;
            namespaces?: string[];
            /** @description Signs each delivery (HMAC-SHA256); never shown */
            secret?: string;
            /** Format: uri */
            url: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Committed events not yet handed to it */
              backlog: number;
              /** Format: date-time */
              created: string;
              events: string[];
              extraFields?: string;
              filter?: string;
              id: string;
              maxAgeHours: number;
              maxAttempts: number;
              /** Format: date-time */
              modified: string;
              namespaces?: string[];
              owner: string;
              paused: boolean;
              /** @description The last event seq handed to the webhook */
              position: number;
              revision: number;
              signed: boolean;
              url: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/webhooks/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One webhook */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Committed events not yet handed to it */
              backlog: number;
              /** Format: date-time */
              created: string;
              events: string[];
              extraFields?: string;
              filter?: string;
              id: string;
              maxAgeHours: number;
              maxAttempts: number;
              /** Format: date-time */
              modified: string;
              namespaces?: string[];
              owner: string;
              paused: boolean;
              /** @description The last event seq handed to the webhook */
              position: number;
              revision: number;
              signed: boolean;
              url: string;
            };
          };
        };
      };
    };
    /** Replace a webhook's settings; delivery goes on from where it was */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            events?: string[];
            extraFields?: string;
            /** @description RQL the changed thing must match */
            filter?: string;
            maxAgeHours?: number;
            maxAttempts?: number;
            namespaces?: string[];
            /** @description Signs each delivery (HMAC-SHA256); never shown */
            secret?: string;
            /** Format: uri */
            url: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Committed events not yet handed to it */
              backlog: number;
              /** Format: date-time */
              created: string;
              events: string[];
              extraFields?: string;
              filter?: string;
              id: string;
              maxAgeHours: number;
              maxAttempts: number;
              /** Format: date-time */
              modified: string;
              namespaces?: string[];
              owner: string;
              paused: boolean;
              /** @description The last event seq handed to the webhook */
              position: number;
              revision: number;
              signed: boolean;
              url: string;
            };
          };
        };
      };
    };
    post?: never;
    /** Delete a webhook and its delivery log */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description No content */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/webhooks/{id}/deliveries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The delivery log: delivered, pending (being retried) and dead (dead-lettered) events, in event order, paged */
    get: {
      parameters: {
        query?: {
          /** @description The cursor of the previous page */
          cursor?: number;
          limit?: number;
          state?: 'pending' | 'delivered' | 'dead';
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Pass as cursor for the next page */
              cursor?: number;
              items: {
                attempts: number;
                error: string | null;
                eventId: string;
                /** Format: date-time */
                firstAttempt: string;
                /** Format: date-time */
                lastAttempt: string;
                /** Format: date-time */
                nextAttempt: string | null;
                seq: number;
                /** @enum {string} */
                state: 'pending' | 'delivered' | 'dead';
                /** @description The receiver's HTTP status */
                status: number | null;
                thingId: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/webhooks/{id}/deliveries/{seq}/redrive': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send one dead-lettered event again (by its position, the seq of the delivery log) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          seq: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description How many dead letters are sent again */
              redriven: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/webhooks/{id}/deliveries/redrive': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send every dead-lettered event again, before the webhook's newer events */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description How many dead letters are sent again */
              redriven: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/webhooks/{id}/pause': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Pause deliveries (events are kept and delivered after resume) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Committed events not yet handed to it */
              backlog: number;
              /** Format: date-time */
              created: string;
              events: string[];
              extraFields?: string;
              filter?: string;
              id: string;
              maxAgeHours: number;
              maxAttempts: number;
              /** Format: date-time */
              modified: string;
              namespaces?: string[];
              owner: string;
              paused: boolean;
              /** @description The last event seq handed to the webhook */
              position: number;
              revision: number;
              signed: boolean;
              url: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/webhooks/{id}/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Resume deliveries from where they were paused */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Committed events not yet handed to it */
              backlog: number;
              /** Format: date-time */
              created: string;
              events: string[];
              extraFields?: string;
              filter?: string;
              id: string;
              maxAgeHours: number;
              maxAttempts: number;
              /** Format: date-time */
              modified: string;
              namespaces?: string[];
              owner: string;
              paused: boolean;
              /** @description The last event seq handed to the webhook */
              position: number;
              revision: number;
              signed: boolean;
              url: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/2/whoami': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The authenticated subjects (Ditto) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              defaultSubject: string;
              subjects: string[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics (needs the metrics token or an administrator when one is set) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: state loaded and journal healthy */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: never;
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
