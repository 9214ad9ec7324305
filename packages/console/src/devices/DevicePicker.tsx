import { DeviceDetails, DevicePage } from '@parley/protocol';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { type ComponentProps, type ReactNode, useEffect, useRef, useState } from 'react';
import { apiRequest } from '../api/http';
import { filterSearch } from '../api/search';
import { Field, SelectField } from '../kit/Field';
import './devicePicker.css';

/** How many devices a picker offers at once: the first ones by name that match what was typed. */
export const PICKER_LIMIT = 50;
const SEARCH_DELAY_MS = 250;

export interface PickedDevice {
  id: string;
  name: string;
}

function deviceSearchQuery(words: string) {
  return queryOptions({
    queryKey: ['device-search', words] as const,
    queryFn: () =>
      apiRequest(
        'GET',
        `/api/devices/page${filterSearch({ q: words, sort: 'name', limit: String(PICKER_LIMIT) }, [])}`,
        DevicePage,
      ),
    staleTime: 10_000,
    placeholderData: keepPreviousData,
  });
}

/** A chosen device's name, when no search result gave it (a device id from the address). */
function deviceNameQuery(deviceId: string) {
  return queryOptions({
    queryKey: ['device', deviceId] as const,
    queryFn: () => apiRequest('GET', `/api/devices/${encodeURIComponent(deviceId)}`, DeviceDetails),
    staleTime: 60_000,
  });
}

export interface DeviceSearch {
  /** The words as typed. */
  words: string;
  setWords(words: string): void;
  /** The devices found (at most PICKER_LIMIT, by name), null while the first answer is on its way. */
  found: readonly PickedDevice[] | null;
  /** How many match in all. */
  total: number;
  /** The name of a device once found (or null). */
  nameOf(deviceId: string): string | null;
}

/**
 * Devices to choose from, searched by the server (`GET /api/devices/page?q=`): never the whole fleet, only the first
 * PICKER_LIMIT by name that match the words typed (applied after a pause).
 */
export function useDeviceSearch(): DeviceSearch {
  const [words, setWords] = useState('');
  const [applied, setApplied] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setApplied(words.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [words]);
  const page = useQuery(deviceSearchQuery(applied)).data;
  // Names seen in any answer: a chosen device keeps its name when a later search does not find it.
  const names = useRef(new Map<string, string>());
  const found = page?.devices.map((device) => ({ id: device.id, name: device.name })) ?? null;
  for (const device of found ?? []) names.current.set(device.id, device.name);
  return {
    words,
    setWords,
    found,
    total: page?.total ?? 0,
    nameOf: (deviceId) => names.current.get(deviceId) ?? null,
  };
}

/** The search box of a picker, and how much of what matches it offers. */
export function DeviceSearchField({
  search,
  label = 'Find devices',
}: {
  search: DeviceSearch;
  label?: string;
}) {
  const shown = search.found?.length ?? 0;
  return (
    <div className="device-search">
      <Field
        label={label}
        type="search"
        value={search.words}
        placeholder="device or user name"
        autoComplete="off"
        onChange={(event) => search.setWords(event.currentTarget.value)}
      />
      {search.found !== null && (
        <p className="muted device-search__count" role="status">
          {search.total > shown
            ? `The first ${shown} of ${search.total} matching devices: type to narrow.`
            : search.total === 0
              ? 'No device matches.'
              : search.total === 1
                ? '1 device matches.'
                : `${search.total} devices match.`}
        </p>
      )}
    </div>
  );
}

/**
 * The options a picker offers: the devices found, and the chosen one first when the search did not find it (its name
 * from an earlier answer, or read from the server).
 */
export function useDeviceOptions(search: DeviceSearch, chosenId: string): readonly PickedDevice[] {
  const known = chosenId === '' || search.nameOf(chosenId) !== null;
  const details = useQuery({ ...deviceNameQuery(chosenId), enabled: !known }).data;
  const found = search.found ?? [];
  if (chosenId === '' || found.some((device) => device.id === chosenId)) return found;
  const name = search.nameOf(chosenId) ?? details?.name ?? chosenId;
  return [{ id: chosenId, name }, ...found];
}

/**
 * A device picker: a search box, then a drop-down list of what it found, labelled `label`. Controlled (`value`,
 * `onChange`) or, with `name` and `defaultValue`, a form's field.
 */
export function DevicePicker({
  label,
  empty,
  value,
  defaultValue = '',
  onChange,
  ...select
}: Omit<ComponentProps<'select'>, 'id' | 'value' | 'defaultValue' | 'onChange' | 'children'> & {
  label: string;
  /** The first option's text (value ""). */
  empty: string;
  value?: string;
  defaultValue?: string;
  onChange?(deviceId: string): void;
}) {
  const search = useDeviceSearch();
  const [own, setOwn] = useState(defaultValue);
  const chosen = value ?? own;
  const options = useDeviceOptions(search, chosen);
  return (
    <div className="device-picker">
      <DeviceSearchField search={search} />
      <SelectField
        label={label}
        {...select}
        value={chosen}
        onChange={(event) => {
          setOwn(event.target.value);
          onChange?.(event.target.value);
        }}
      >
        <option value="">{empty}</option>
        <DeviceOptionList devices={options} />
      </SelectField>
    </div>
  );
}

/** One option per device, each option's value `valueFor` the device (its id unless said otherwise). */
export function DeviceOptionList({
  devices,
  valueFor = (device) => device.id,
}: {
  devices: readonly PickedDevice[];
  valueFor?: (device: PickedDevice) => string;
}): ReactNode {
  return devices.map((device) => (
    <option key={device.id} value={valueFor(device)}>
      {device.name}
    </option>
  ));
}
