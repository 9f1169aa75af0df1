import cronParser from 'cron-parser';

/** The next time a 5-field cron expression fires after `after`, read in UTC (as pg-boss runs it). */
export function nextCronRun(expression: string, after: Date): Date {
  return cronParser.parseExpression(expression, { currentDate: after, tz: 'UTC' }).next().toDate();
}

/** Why a cron expression is unusable, or undefined when it is fine. */
export function cronProblem(expression: string): string | undefined {
  try {
    cronParser.parseExpression(expression, { tz: 'UTC' });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
