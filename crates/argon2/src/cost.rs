//! Argon2id costs: OWASP's table, its floor, the configurable ceilings for stored
//! hashes, and validation of both (the only place a `Cost` or `VerifyPolicy` is made).

/// Argon2id parameters: memory in KiB (`m`), passes (`t`), lanes (`p`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    memory_kib: u32,
    time_cost: u32,
    parallelism: u32,
}

/// OWASP Password Storage Cheat Sheet, Argon2id: five settings of equal defence, trading
/// memory for passes, all with one lane. Listed in the cheat sheet's order.
pub const OWASP_COSTS: [Cost; 5] = [
    Cost::raw(47_104, 1, 1),
    Cost::raw(19_456, 2, 1),
    Cost::raw(12_288, 3, 1),
    Cost::raw(9_216, 4, 1),
    Cost::raw(7_168, 5, 1),
];

/// The default: m=19456 KiB (19 MiB), t=2, p=1 (issue 21).
pub const DEFAULT_COST: Cost = Cost::raw(19_456, 2, 1);

/// No cost, configured or stored, may ask for more than 64 MiB: a Workers isolate has
/// 128 MB in all, and a wasm `memory.grow` that fails aborts the instance.
pub const MAX_MEMORY_KIB: u32 = 65_536;
/// Upper bounds for configured passes and lanes (a stored hash meets the policy's own).
pub const MAX_TIME_COST: u32 = 16;
pub const MAX_PARALLELISM: u32 = 16;

/// The default ceilings for a stored hash: the largest memory and the most passes of any
/// OWASP row, one lane (every row has one). A tampered row asking for more is refused
/// before Argon2 allocates anything.
pub const DEFAULT_MAX_MEMORY_KIB: u32 = 47_104;
pub const DEFAULT_MAX_TIME_COST: u32 = 5;
pub const DEFAULT_MAX_PARALLELISM: u32 = 1;

/// A configuration the caller chose that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostError {
    MemoryOutOfRange,
    TimeOutOfRange,
    ParallelismOutOfRange,
    BelowOwaspFloor,
    TargetAboveCeiling,
}

impl CostError {
    pub const fn message(self) -> &'static str {
        match self {
            CostError::MemoryOutOfRange => {
                "memoryKiB must be an integer from 8 x parallelism to 65536 (64 MiB)"
            }
            CostError::TimeOutOfRange => "timeCost must be an integer from 1 to 16",
            CostError::ParallelismOutOfRange => "parallelism must be an integer from 1 to 16",
            CostError::BelowOwaspFloor => {
                "the Argon2id cost is below OWASP's floor (at least one row of m=47104,t=1 / m=19456,t=2 / m=12288,t=3 / m=9216,t=4 / m=7168,t=5, p>=1); allowBelowOwaspFloor: true permits it (tests only)"
            }
            CostError::TargetAboveCeiling => {
                "the hashing cost is above the verify ceilings (maxMemoryKiB, maxTimeCost, maxParallelism): hashes it makes would be refused"
            }
        }
    }
}

impl Cost {
    const fn raw(memory_kib: u32, time_cost: u32, parallelism: u32) -> Cost {
        Cost {
            memory_kib,
            time_cost,
            parallelism,
        }
    }

    /// A cost within Argon2's and this package's bounds, and at or above OWASP's floor
    /// unless `allow_below_floor`.
    pub fn new(
        memory_kib: u32,
        time_cost: u32,
        parallelism: u32,
        allow_below_floor: bool,
    ) -> Result<Cost, CostError> {
        if !(1..=MAX_PARALLELISM).contains(&parallelism) {
            return Err(CostError::ParallelismOutOfRange);
        }
        if memory_kib < 8 * parallelism || memory_kib > MAX_MEMORY_KIB {
            return Err(CostError::MemoryOutOfRange);
        }
        if !(1..=MAX_TIME_COST).contains(&time_cost) {
            return Err(CostError::TimeOutOfRange);
        }
        let cost = Cost::raw(memory_kib, time_cost, parallelism);
        if !allow_below_floor && !cost.meets_owasp_floor() {
            return Err(CostError::BelowOwaspFloor);
        }
        Ok(cost)
    }

    pub const fn memory_kib(&self) -> u32 {
        self.memory_kib
    }
    pub const fn time_cost(&self) -> u32 {
        self.time_cost
    }
    pub const fn parallelism(&self) -> u32 {
        self.parallelism
    }

    /// At least as much memory *and* as many passes as some OWASP row.
    pub fn meets_owasp_floor(&self) -> bool {
        OWASP_COSTS
            .iter()
            .any(|row| self.memory_kib >= row.memory_kib && self.time_cost >= row.time_cost)
    }
}

/// What `verify_password` accepts from a stored hash, and the cost it should have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyPolicy {
    target: Cost,
    max_memory_kib: u32,
    max_time_cost: u32,
    max_parallelism: u32,
    allow_below_floor: bool,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy {
            target: DEFAULT_COST,
            max_memory_kib: DEFAULT_MAX_MEMORY_KIB,
            max_time_cost: DEFAULT_MAX_TIME_COST,
            max_parallelism: DEFAULT_MAX_PARALLELISM,
            allow_below_floor: false,
        }
    }
}

impl VerifyPolicy {
    /// `target`: the cost new hashes are made with (a stored hash with another cost
    /// `needs_rehash`). The ceilings default to `DEFAULT_MAX_*` and never exceed the
    /// configurable bounds; the target must be within them.
    pub fn new(
        target: Cost,
        max_memory_kib: Option<u32>,
        max_time_cost: Option<u32>,
        max_parallelism: Option<u32>,
        allow_below_floor: bool,
    ) -> Result<VerifyPolicy, CostError> {
        let max_memory_kib = max_memory_kib.unwrap_or(DEFAULT_MAX_MEMORY_KIB);
        let max_time_cost = max_time_cost.unwrap_or(DEFAULT_MAX_TIME_COST);
        let max_parallelism = max_parallelism.unwrap_or(DEFAULT_MAX_PARALLELISM);
        if !(8..=MAX_MEMORY_KIB).contains(&max_memory_kib) {
            return Err(CostError::MemoryOutOfRange);
        }
        if !(1..=MAX_TIME_COST).contains(&max_time_cost) {
            return Err(CostError::TimeOutOfRange);
        }
        if !(1..=MAX_PARALLELISM).contains(&max_parallelism) {
            return Err(CostError::ParallelismOutOfRange);
        }
        if !allow_below_floor && !target.meets_owasp_floor() {
            return Err(CostError::BelowOwaspFloor);
        }
        if target.memory_kib > max_memory_kib
            || target.time_cost > max_time_cost
            || target.parallelism > max_parallelism
        {
            return Err(CostError::TargetAboveCeiling);
        }
        Ok(VerifyPolicy {
            target,
            max_memory_kib,
            max_time_cost,
            max_parallelism,
            allow_below_floor,
        })
    }

    pub const fn target(&self) -> Cost {
        self.target
    }

    /// Whether a stored hash's cost may be computed at all. Checked before Argon2 runs.
    pub fn admit(&self, stored: Cost) -> Result<(), crate::Refusal> {
        if stored.memory_kib > self.max_memory_kib
            || stored.time_cost > self.max_time_cost
            || stored.parallelism > self.max_parallelism
        {
            return Err(crate::Refusal::ParamsAboveLimit);
        }
        if !self.allow_below_floor && !stored.meets_owasp_floor() {
            return Err(crate::Refusal::ParamsBelowFloor);
        }
        Ok(())
    }
}

/// A stored cost as parsed: only `phc::parse` makes one, after range checks that keep
/// Argon2's own `Params::new` from failing.
pub(crate) const fn stored(memory_kib: u32, time_cost: u32, parallelism: u32) -> Cost {
    Cost::raw(memory_kib, time_cost, parallelism)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_owasp_row_meets_the_floor_and_the_default_ceilings() {
        let policy = VerifyPolicy::default();
        for row in OWASP_COSTS {
            assert!(row.meets_owasp_floor());
            assert_eq!(policy.admit(row), Ok(()));
            assert_eq!(
                Cost::new(row.memory_kib(), row.time_cost(), row.parallelism(), false),
                Ok(row)
            );
        }
    }

    #[test]
    fn one_step_below_any_row_is_below_the_floor() {
        for row in OWASP_COSTS {
            // Less memory at the same passes, and (where possible) one pass fewer.
            let less_memory = Cost::new(row.memory_kib() - 1, row.time_cost(), 1, false);
            // 7168 KiB with t=5 is the smallest row: t=6 does not rescue 7167 KiB.
            assert_eq!(less_memory, Err(CostError::BelowOwaspFloor), "{row:?}");
        }
        assert_eq!(
            Cost::new(19_455, 2, 1, false),
            Err(CostError::BelowOwaspFloor)
        );
        assert_eq!(
            Cost::new(8192, 3, 1, false),
            Err(CostError::BelowOwaspFloor)
        );
        assert!(Cost::new(8192, 3, 1, true).is_ok());
        assert!(Cost::new(65_536, 1, 1, false).is_ok());
    }

    #[test]
    fn configured_bounds() {
        assert_eq!(
            Cost::new(65_537, 1, 1, false),
            Err(CostError::MemoryOutOfRange)
        );
        assert_eq!(Cost::new(15, 1, 2, true), Err(CostError::MemoryOutOfRange));
        assert_eq!(
            Cost::new(19_456, 0, 1, false),
            Err(CostError::TimeOutOfRange)
        );
        assert_eq!(
            Cost::new(19_456, 17, 1, false),
            Err(CostError::TimeOutOfRange)
        );
        assert_eq!(
            Cost::new(19_456, 2, 0, false),
            Err(CostError::ParallelismOutOfRange)
        );
        assert_eq!(
            VerifyPolicy::new(DEFAULT_COST, Some(65_537), None, None, false),
            Err(CostError::MemoryOutOfRange)
        );
        assert_eq!(
            VerifyPolicy::new(
                Cost::new(65_536, 1, 1, false).unwrap(),
                None,
                None,
                None,
                false
            ),
            Err(CostError::TargetAboveCeiling)
        );
    }
}
