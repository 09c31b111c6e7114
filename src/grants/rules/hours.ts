// Rule hours: weekdays and a daily window in a named IANA time zone, read through Intl (DST included).
import { WEEKDAYS, type Weekday } from './schema.js';

export interface Hours {
  timezone: string;
  days: ReadonlySet<number>;
  /** Minutes after local midnight; `to` may be 1440 ("24:00"). A window with from > to runs overnight. */
  from: number;
  to: number;
  format: Intl.DateTimeFormat;
}

const formats = new Map<string, Intl.DateTimeFormat>();

export function compileHours(hours: { timezone: string; days: Weekday[]; from: string; to: string }): Hours {
  let format = formats.get(hours.timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: hours.timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(hours.timezone, format);
  }
  return {
    timezone: hours.timezone,
    days: new Set(hours.days.map((day) => WEEKDAYS.indexOf(day))),
    from: minutes(hours.from),
    to: minutes(hours.to),
    format,
  };
}

/** The last answer per zone: local time only changes once a minute, and formatToParts costs microseconds. */
const lastAnswer = new Map<Intl.DateTimeFormat, { utcMinute: number; day: number; minute: number }>();

/** The weekday (0 = Monday) and minute of the day at `atMs` in the zone. */
export function localTime(format: Intl.DateTimeFormat, atMs: number): { day: number; minute: number } {
  // Every zone in use today is offset from UTC by whole minutes, so one UTC minute is one local minute.
  const utcMinute = Math.floor(atMs / 60_000);
  const last = lastAnswer.get(format);
  if (last && last.utcMinute === utcMinute) return last;
  const answer = { utcMinute, ...readLocalTime(format, atMs) };
  lastAnswer.set(format, answer);
  return answer;
}

function readLocalTime(format: Intl.DateTimeFormat, atMs: number): { day: number; minute: number } {
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(atMs)) {
    if (part.type === 'weekday') day = WEEKDAYS.indexOf(part.value.toLowerCase().slice(0, 3) as Weekday);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

/** Inside the window? An overnight window (22:00-06:00) belongs to the day it starts on. */
export function withinHours(hours: Hours, atMs: number): boolean {
  const { day, minute } = localTime(hours.format, atMs);
  if (hours.from < hours.to) return hours.days.has(day) && minute >= hours.from && minute < hours.to;
  if (minute >= hours.from) return hours.days.has(day);
  return minute < hours.to && hours.days.has((day + 6) % 7);
}

function minutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
