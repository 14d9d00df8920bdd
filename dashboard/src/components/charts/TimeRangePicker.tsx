import { RANGE_PRESETS, type RangePreset, type TimeRange } from './timeRange';
import { formatAxisTime } from './format';

interface TimeRangePickerProps {
  range: TimeRange;
  onPreset: (preset: RangePreset) => void;
}

/** Preset buttons (last hour … last 30 days); a zoomed window shows its bounds and a way back. */
export function TimeRangePicker({ range, onPreset }: TimeRangePickerProps) {
  const span = range.until.getTime() - range.since.getTime();
  return (
    <div className="range-picker" role="group" aria-label="Time range" data-testid="time-range">
      {range.preset === null ? (
        <span className="range-custom" data-testid="time-range-custom">
          {formatAxisTime(range.since.getTime(), span)} – {formatAxisTime(range.until.getTime(), span)}
        </span>
      ) : null}
      {(Object.keys(RANGE_PRESETS) as RangePreset[]).map((preset) => (
        <button
          key={preset}
          type="button"
          className={`range-button${range.preset === preset ? ' active' : ''}`}
          aria-pressed={range.preset === preset}
          onClick={() => onPreset(preset)}
          data-testid={`range-${preset}`}
        >
          {preset}
        </button>
      ))}
    </div>
  );
}
