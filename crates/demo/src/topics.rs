//! Subject-matter vocabulary: for each topic a community works on (counter-
//! drone tactics, hypersonic threats, radioactive-waste testing, fuel supply,
//! ...) the things, actors, measurements, findings and title stems that the
//! sentence templates in `text.rs` are filled with. Kept as plain text tables
//! so the pools are easy to read and extend.

/// What a community's documents are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Topic(usize);

/// Vocabulary of one topic, parsed from [`TABLE`].
#[derive(Debug, Clone, Default)]
pub(crate) struct TopicPools {
    /// Noun phrases the documents discuss.
    pub things: Vec<&'static str>,
    /// Who acts (units, cells, teams).
    pub actors: Vec<&'static str>,
    /// Measurements: `(name, unit, low, high)`.
    pub metrics: Vec<(&'static str, &'static str, f64, f64)>,
    /// Whole clauses stating a finding.
    pub findings: Vec<&'static str>,
    /// Title stems.
    pub titles: Vec<&'static str>,
}

impl Topic {
    /// The topic named `key` in [`TABLE`] (the first topic if unknown).
    pub fn from_key(key: &str) -> Topic {
        let index = TABLE.split("\n[").position(|block| {
            block
                .trim_start_matches('[')
                .starts_with(&format!("{key}]"))
        });
        Topic(index.unwrap_or(0))
    }

    /// This topic's vocabulary.
    pub fn pools(self) -> TopicPools {
        let mut pools = TopicPools::default();
        let Some(block) = TABLE.split("\n[").nth(self.0) else {
            return pools;
        };
        for line in block.lines().skip(1) {
            let Some((field, items)) = line.split_once(':') else {
                continue;
            };
            let items = items.split(';').map(str::trim).filter(|s| !s.is_empty());
            match field.trim() {
                "things" => pools.things = items.collect(),
                "actors" => pools.actors = items.collect(),
                "findings" => pools.findings = items.collect(),
                "titles" => pools.titles = items.collect(),
                "metrics" => {
                    pools.metrics = items
                        .filter_map(|m| {
                            let mut p = m.split('|');
                            let name = p.next()?;
                            let unit = p.next()?;
                            let lo = p.next()?.parse().ok()?;
                            let hi = p.next()?.parse().ok()?;
                            Some((name, unit, lo, hi))
                        })
                        .collect()
                }
                _ => {}
            }
        }
        pools
    }
}

/// One block per topic: `[key]`, then `field: item; item; ...` lines.
const TABLE: &str = "\
[drone]
things: small quadcopter swarms; fixed-wing loitering munitions; commercial hobby drones; radio-frequency jammers; passive acoustic sensors; short-range interceptor drones; electro-optical trackers; the layered counter-UAS screen; GNSS spoofing kits; hand-held drone detectors; remote weapon stations; the drone early-warning net; net-capture interceptors; high-power microwave emitters
actors: the counter-UAS cell; the base defence platoon; the air defence liaison team; the forward observation post; the force protection detachment; the battalion drone section; the host-nation police; the range safety officer
metrics: detection range|km|0.3|7.5; time from detection to defeat|s|4|95; false alarm rate|per hour|0.1|14; jammer effective radius|m|150|2400; interceptor success rate|%|22|97; track continuity|%|35|99
findings: operators confused friendly survey drones with hostile ones; the jammers also degraded the unit's own radios; swarm attacks saturated the single tracking console; drones approached along the river valley below radar cover; night operations exposed gaps in thermal coverage; reporting chains were too slow to cue the interceptors; civilian hobby flights produced a steady stream of false tracks; the acoustic sensors performed poorly in strong wind; the procedures assumed one drone at a time; crews lacked authority to engage over populated areas
titles: Counter-drone engagement at low altitude; Defeating small drone swarms; Drone incursions over logistics hubs; Jamming and fratricide risk; Layered counter-UAS defence of forward bases; Detecting loitering munitions at night; Drone threat to convoy routes; Rules of engagement for drone defeat
[hypersonic]
things: hypersonic glide vehicles; manoeuvring re-entry warheads; over-the-horizon radars; space-based infrared sensors; the integrated air and missile defence picture; long-range interceptors; the sensor fusion node; cruise missile tracks; early-warning data feeds; the engagement coordination cell; boost-phase detection; the threat evaluation software
actors: the missile defence operations centre; the sensor integration team; the threat assessment cell; the national early-warning unit; the engagement planning staff; the radar detachment; the modelling and simulation team; the intelligence fusion cell
metrics: warning time|s|40|520; track handover delay|s|0.5|18; glide altitude|km|22|75; terminal speed|Mach|5|14; sensor revisit interval|s|1|30; modelled intercept probability|%|8|71
findings: current radars cannot maintain continuous tracks on manoeuvring glide vehicles; warning times leave almost no room for political consultation; track handover between national sensors loses critical seconds; the threat library did not contain recent flight profiles; simulations overestimated interceptor performance at high altitude; data links between partners used incompatible time stamps; decision authorities were not pre-delegated; space-based cueing proved essential in every scenario
titles: Hypersonic threat briefing; Glide vehicle tracking gaps; Early warning against manoeuvring threats; Sensor fusion for missile defence; Hypersonic intercept modelling; Decision timelines under hypersonic attack; Space-based cueing of missile defence; Integrated air and missile defence picture
[medical]
things: forward surgical teams; casualty evacuation helicopters; blood supply chains; field hospital modules; tourniquet training; telemedicine links; medical resupply drones; patient tracking systems; mass-casualty triage; cold-chain containers; combat lifesaver kits; the medical rules of eligibility
actors: the role 2 field hospital; the medical evacuation coordination cell; the combat medic course; the multinational medical unit; the preventive medicine team; the patient administration office; the blood support detachment; the medical logistics cell
metrics: evacuation time|min|18|240; blood unit shelf life|days|5|42; triage throughput|patients per hour|3|40; bed occupancy|%|20|110; resupply lead time|h|6|96; treatment delay|min|5|180
findings: evacuation helicopters were tasked through three separate chains; blood products expired in transit because cold-chain monitoring failed; national medical records could not be read by partner hospitals; triage labels differed between contingents; the golden hour was missed in most mountain scenarios; medics were diverted to non-medical duties; language barriers slowed patient handover; stocks of tourniquets ran out within two days
titles: Mass-casualty exercise lessons; Casualty evacuation in mountainous terrain; Blood supply under contested logistics; Multinational field hospital integration; Patient tracking across contingents; Medical resupply by drone; Triage standard alignment; Telemedicine at forward sites
[comms]
things: tactical radios; the mission network; satellite terminals; message text formats; the common operational picture; crypto key distribution; liaison officer networks; federated mission networking profiles; voice-over-IP gateways; network joining instructions; spectrum allocation plans; the data exchange gateway
actors: the signals battalion; the network operations centre; the interoperability test team; the exercise control staff; the joint communications cell; the national liaison element; the spectrum management office; the coalition help desk
metrics: network joining time|h|2|72; message delivery rate|%|61|99.9; gateway latency|ms|40|2200; radio net availability|%|48|99; key distribution delay|h|1|48; lost messages|per day|0|350
findings: partner radios could talk only through a single overloaded gateway; joining instructions were issued too late for the first phase; the common picture showed duplicate tracks from two nations; key material arrived after the exercise had started; spectrum plans ignored host-nation civilian users; help desk staff lacked the partner configuration data; message formats differed in minor but breaking details; liaison officers became the real network
titles: Mission network joining lessons; Radio interoperability after-action report; Common operational picture duplication; Crypto key distribution delays; Spectrum deconfliction with host nations; Federated mission networking trial; Gateway performance under load; Liaison networks as fallback
[munitions]
things: artillery ammunition lots; insensitive munitions; ammunition storage sites; explosive safety distances; fuze compatibility; spare barrel stocks; vehicle maintenance intervals; predictive maintenance sensors; packaging and marking rules; hazard classification codes; shelf-life surveillance; repair parts catalogues
actors: the ammunition technical officer; the explosive safety board; the maintenance depot; the quality assurance team; the national test centre; the storage site commander; the transport safety adviser; the surveillance laboratory
metrics: quantity-distance|m|80|1400; storage temperature|°C|-25|55; lot rejection rate|%|0.2|12; mean time between failures|h|120|4800; repair turnaround|days|2|65; drop test height|m|1.2|12
findings: lots from different nations used incompatible marking conventions; storage sites exceeded temperature limits in summer; safety distances were calculated with outdated tables; spare parts catalogues did not map to partner part numbers; predictive maintenance data never reached the depot; packaging failed the vibration test; shelf-life records were kept on paper only; repair times doubled because parts were cannibalised
titles: Munitions storage safety review; Insensitive munitions assessment; Ammunition lot interchangeability; Explosive safety distance tables; Spare parts interchangeability; Predictive maintenance trial; Hazard classification alignment; Shelf-life surveillance findings
[radwaste]
things: low-level radioactive waste drums; sealed radioactive sources; decontamination stations; dosimetry badges; sampling kits; shielded transport containers; the radiological survey team; leak test swabs; waste acceptance criteria; contamination monitors; gamma spectrometers; personal protective equipment
actors: the CBRN defence company; the radiological protection adviser; the waste characterisation laboratory; the decontamination platoon; the environmental health team; the reachback centre; the sampling and identification team; the national regulator liaison
metrics: dose rate|µSv/h|0.08|45; surface contamination|Bq/cm²|0.01|12; drum mass|kg|60|420; leak test limit|Bq|50|185; decontamination time|min|6|90; sample turnaround|h|2|72
findings: drum labels did not follow the agreed waste acceptance criteria; dosimeters from two nations reported in different units; the decontamination line was too slow for the planned throughput; leak tests were performed but not recorded; shielded containers lacked valid certificates; sampling teams had no common chain-of-custody form; contamination monitors were calibrated against different sources; reachback advice arrived after the decision had been taken
titles: Radioactive waste test procedure; Sealed source leak testing; Decontamination line throughput; Radiological survey of a deployed site; Waste drum characterisation; Dosimetry harmonisation; Chain of custody for radiological samples; Shielded container certification
[cyber]
things: phishing simulations; security awareness modules; incident reporting forms; the learning management system; password policies; removable media rules; network segmentation; patch management; log retention; tactical data link messages; message authentication; secure configuration baselines
actors: the cyber defence centre; the course design team; the incident response team; the information assurance office; the e-learning support desk; the data link management cell; the red team; the accreditation authority
metrics: phishing click rate|%|1.5|38; course completion|%|34|98; patch delay|days|1|120; incident reporting delay|h|0.5|96; message error rate|per 1000|0.1|25; quiz pass mark|%|60|90
findings: staff reported suspicious messages but not through the official channel; completion rates were high while retention after three months was poor; legacy systems could not accept current patches; log retention periods differed between nations; data link messages were rejected because of clock drift; removable media rules were ignored during exercises; quizzes rewarded guessing rather than understanding; the red team reused the same techniques every year
titles: Security awareness course redesign; Phishing simulation results; Incident reporting workflow; Tactical data link message validation; Secure configuration baseline; Patch management lessons; Log retention harmonisation; Removable media rules refresher
[fuel]
things: bulk fuel storage; fuel bladders; pipeline segments; generator fleets; solar microgrids; fuel quality testing; tanker convoys; energy consumption reports; battery storage; hydrogen pilot units; fuel accounting software; host-nation fuel contracts
actors: the petroleum platoon; the energy working group; the fuel quality laboratory; the camp engineer; the theatre fuel cell; the host-nation support office; the contracting officer; the environmental adviser
metrics: daily fuel demand|m³|12|640; generator load factor|%|18|92; storage capacity|m³|50|9000; convoy turnaround|h|8|72; energy saved|%|3|41; water content|ppm|20|300
findings: generators ran at low load most of the day and wasted fuel; fuel samples failed quality tests after long storage; host-nation contracts did not cover surge demand; tanker convoys were the most attacked element of the supply chain; microgrids cut fuel use where they were properly sized; accounting software double-counted issues between nations; bladders were deployed without secondary containment; battery storage performed poorly in cold weather
titles: Fuel supply concept of support; Camp energy efficiency plan; Fuel quality surveillance; Host-nation fuel contracting; Microgrid pilot results; Tanker convoy protection; Bulk fuel storage plan; Operational energy roadmap
[movement]
things: rail movements; port of debarkation operations; border crossing permits; convoy schedules; strategic airlift slots; reception staging and onward movement; heavy equipment transporters; diplomatic clearances; movement control software; military mobility corridors; host-nation road restrictions; container tracking
actors: the movement control centre; the port operations group; the national movement coordination cell; the liaison officer network; the transport battalion; the host-nation support cell; the mobility working group; the customs liaison team
metrics: border crossing time|h|0.5|36; rail wagons available|wagons|12|340; port throughput|vehicles per day|40|900; convoy length|vehicles|6|80; clearance lead time|days|1|30; transit distance|km|120|2600
findings: diplomatic clearances took longer than the movement itself; rail gauges changed at two borders and forced transloading; port capacity was shared with commercial traffic without a plan; road restrictions for heavy loads were not in the movement software; customs documents differed for every nation crossed; container tracking ended at the port gate; bridges on the main route could not carry tanks; liaison officers solved most problems by telephone
titles: Military mobility corridor lessons; Reception staging and onward movement plan; Rail movement of heavy equipment; Border crossing procedures; Port of debarkation operations; Strategic airlift allocation; Convoy movement schedule; Diplomatic clearance process
[infrastructure]
things: airfield pavements; fuel storage depots; ammunition storage areas; hardened aircraft shelters; training ranges; barracks renovation; secure communications sites; port infrastructure; common-funded capability packages; environmental permits; construction contracts; cost estimates
actors: the investment committee; the host nation; the project management office; the infrastructure engineers; the budget committee; the capability sponsor; the contracting authority; the independent cost estimator
metrics: estimated cost|million EUR|1.2|480; schedule slip|months|0|36; contract value|million EUR|0.4|220; runway length|m|1800|3600; design life|years|15|50; cost growth|%|-4|65
findings: the cost estimate did not include host-nation taxes; environmental permits delayed construction by a full season; the requirement changed after the design was approved; bids came in far above the estimate; the scope was split to stay under approval thresholds; maintenance costs were not funded beyond the first year; two nations claimed the same site for different projects; the capability package was approved without a risk register
titles: Airfield pavement renewal; Fuel depot modernisation; Hardened shelter programme; Training range upgrade; Capability package review; Secure communications site construction; Port infrastructure investment; Barracks renovation programme
[maritime]
things: maritime patrol aircraft; harbour protection systems; undersea cable surveillance; mine countermeasure vessels; the recognised maritime picture; boarding team procedures; unmanned surface vessels; coastal radars; shipping information exchange; port security plans; anti-submarine sonar buoys; fisheries patrol data
actors: the maritime operations centre; the partner coast guard; the mine countermeasures group; the harbour protection unit; the maritime liaison officer; the shipping information centre; the patrol squadron; the boarding team
metrics: patrol coverage|%|20|95; contact classification time|min|2|140; transit speed|knots|6|32; detection range|nm|2|90; mines cleared|mines|0|48; vessels tracked|vessels per day|40|3200
findings: coast guard data could not be fused into the maritime picture; undersea cables were monitored by nobody in particular; partner boarding procedures conflicted on the use of force; unmanned surface vessels lost contact in bad weather; mine clearance took three times longer than planned; shipping information was shared by e-mail attachments; harbour protection focused on divers and ignored drones; fisheries data revealed suspicious loitering patterns
titles: Undersea cable protection; Harbour protection cooperation; Recognised maritime picture sharing; Mine countermeasures exercise; Partner boarding procedures; Unmanned surface vessel trial; Coastal surveillance cooperation; Suspicious vessel behaviour";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_has_full_pools() {
        let count = TABLE.split("\n[").count();
        assert_eq!(count, 11);
        for i in 0..count {
            let p = Topic(i).pools();
            assert!(p.things.len() >= 10, "topic {i}");
            assert!(p.actors.len() >= 6, "topic {i}");
            assert!(p.metrics.len() >= 5, "topic {i}");
            assert!(p.findings.len() >= 8, "topic {i}");
            assert!(p.titles.len() >= 8, "topic {i}");
        }
        assert_eq!(Topic::from_key("maritime"), Topic(10));
        assert_eq!(Topic::from_key("drone"), Topic(0));
    }
}
