// A clock tests move by hand (token expiry, rotation grace, bans) instead of sleeping.
import type { Clock } from '../../src/clock.js';

export class FakeClock implements Clock {
  private ms: number;

  constructor(start: Date = new Date()) {
    this.ms = start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  set(date: Date): void {
    this.ms = date.getTime();
  }
}
