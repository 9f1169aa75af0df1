/** pg-boss 10's SQL builders (plain JavaScript, no types of its own); only what boss-db.ts uses. */
declare module 'pg-boss/src/plans.js' {
  const plans: {
    completeJobs(schema: string): string;
    failJobsById(schema: string): string;
  };
  export default plans;
}
