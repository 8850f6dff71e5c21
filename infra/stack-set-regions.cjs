// The regions the member StackSet deploys to in every account: keyrotor's (its stack there creates the
// roles) and, for the exposed-key trigger, us-east-1, where AWS Health delivers its global events (the
// stack there creates only the Health forwarder: infra/member-role.yml's conditions).
const HEALTH_REGION = "us-east-1";

module.exports = async ({ resolveVariable }) => {
  const region = String(await resolveVariable("aws:region"));
  const forward = String(await resolveVariable("param:exposedKeyTrigger")) === "true";
  return forward && region !== HEALTH_REGION ? [region, HEALTH_REGION] : [region];
};

module.exports.HEALTH_REGION = HEALTH_REGION;
