// The forecasting model's public entry.
export { forecast, FORECAST_METHODS, MAX_OUTPUT_POINTS } from './forecast.js';
export type {
  ForecastBand,
  ForecastHistory,
  ForecastMethod,
  ForecastOptions,
  ForecastResult,
} from './forecast.js';
export { ForecastError, type ForecastErrorReason } from './forecast-error.js';
