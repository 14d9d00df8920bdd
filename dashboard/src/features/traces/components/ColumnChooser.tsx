import { Dropdown } from '../../../components/Dropdown';
import { TRACE_COLUMNS } from '../columns';

interface ColumnChooserProps {
  columns: string[];
  onChange: (columns: string[]) => void;
}

/** Shows or hides the trace table's optional columns. */
export function ColumnChooser({ columns, onChange }: ColumnChooserProps) {
  return (
    <Dropdown label="Columns" triggerClassName="btn btn-small" testId="column-chooser" align="right">
      {() => (
        <div className="column-chooser" role="group" aria-label="Columns">
          {TRACE_COLUMNS.filter((c) => !c.fixed).map((c) => {
            const on = columns.includes(c.id);
            return (
              <button
                key={c.id}
                type="button"
                role="menuitemcheckbox"
                aria-checked={on}
                className="dropdown-item column-option"
                data-testid="column-option"
                data-col={c.id}
                onClick={() => onChange(on ? columns.filter((x) => x !== c.id) : [...columns, c.id])}
              >
                <span className="column-check">{on ? '✓' : ''}</span> {c.label}
              </button>
            );
          })}
        </div>
      )}
    </Dropdown>
  );
}
