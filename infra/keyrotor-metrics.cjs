// What the dashboard and the alarms read of the rotator's EMF metrics (shared/metrics/emit.ts): the
// namespace serverless.yml gives the functions, the one dimension every record has, and the period
// over which a daily run's accounts add up.

/** The namespace: `<service>-<stage>`, so that two stages in one account keep apart. */
const namespaceOf = (prefix) => prefix;

/** `service: keyrotor`, Powertools' default dimension: the totals over every account. */
const SERVICE_DIMENSION = { Name: "service", Value: "keyrotor" };

/** One day: a run's accounts finish within it, so a day's Sum is the run's total, its Maximum the run's worst. */
const RUN_PERIOD = 86_400;

module.exports = { namespaceOf, SERVICE_DIMENSION, RUN_PERIOD };
